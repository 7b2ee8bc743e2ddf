import CrosswireCrypto

/// A registration id: 1...16380, so it fits a two-byte varint (libsignal's `KeyHelper`).
public struct RegistrationID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The ids Crosswire issues and `init(rawValue:)` accepts.
    public static let range: ClosedRange<UInt32> = 1...16380

    /// The id, as sent in PreKey messages and bundles.
    public let rawValue: UInt32

    /// `nil` outside `range`.
    public init?(rawValue: UInt32) {
        guard Self.range.contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Any value a peer sent (it is not ours to police); 0 means "absent" on the wire.
    package init(unchecked value: UInt32) { rawValue = value }

    /// Uniform in 1...16380 (rejection sampling, no modulo bias).
    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> RegistrationID {
        let limit = UInt32.max - UInt32.max % 16380
        while true {
            let value = entropy.uint32()
            if value < limit { return RegistrationID(unchecked: value % 16380 + 1) }
        }
    }

    /// The bare number.
    public var description: String { String(rawValue) }
}
