@_spi(Hazmat) import CrosswireCrypto

/// The 16 random bytes a sender gives each envelope (SPEC §12.4): with the recipient device it names one
/// delivery, so a relay and a receiver drop a duplicate without reading the ciphertext.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    /// 16 bytes.
    public static let count = 16
    /// The 16 bytes.
    public let rawRepresentation: [UInt8]

    /// Wraps 16 bytes; any other length is `invalidField`.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(EnvelopeError) {
        guard bytes.count == Self.count else {
            throw EnvelopeError(.invalidField, "a message id is \(Self.count) bytes, got \(bytes.count)")
        }
        rawRepresentation = Array(bytes)
    }

    /// 16 fresh random bytes.
    public static func random(using entropy: some EntropySource = SystemEntropy()) -> MessageID {
        MessageID(unchecked: entropy.bytes(count))
    }

    private init(unchecked bytes: [UInt8]) { rawRepresentation = bytes }

    /// Lowercase hex, as logs and the vectors print it.
    public var description: String { Hex.encode(rawRepresentation) }
}
