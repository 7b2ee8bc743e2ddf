import CrosswireCrypto

/// A cross-app group's id: 32 random bytes, never derived from its name (SPEC §12.5), so two groups
/// with one name never collide and the id tells nothing about the group.
public struct GroupID: Sendable, Hashable, CustomStringConvertible {
    /// 32 bytes.
    public static let count = 32
    /// The 32 bytes; also the group id its Sender Keys are stored under.
    public let rawRepresentation: [UInt8]

    /// Wraps 32 bytes; any other length is `invalidField`.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(EnvelopeError) {
        guard bytes.count == Self.count else {
            throw EnvelopeError(.invalidField, "a group id is \(Self.count) bytes, got \(bytes.count)")
        }
        rawRepresentation = Array(bytes)
    }

    /// 32 fresh random bytes.
    public static func random(using entropy: some EntropySource = SystemEntropy()) -> GroupID {
        GroupID(unchecked: entropy.bytes(count))
    }

    private init(unchecked bytes: [UInt8]) { rawRepresentation = bytes }

    /// Lowercase hex.
    public var description: String { Hex.encode(rawRepresentation) }
}
