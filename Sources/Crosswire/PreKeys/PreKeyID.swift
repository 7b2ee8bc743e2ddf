/// A one-time prekey id. libsignal's Java heritage keeps ids below 2^24 (`Medium.MAX_VALUE`); Crosswire
/// issues ids in that range and accepts any `UInt32` from peers.
public struct PreKeyID: PreKeyIdentifier {
    /// The largest id Crosswire issues.
    public static let maxIssued: UInt32 = 0xFF_FFFF
    /// The id, as in bundles and PreKey messages.
    public let rawValue: UInt32
    /// Any value: ids from peers may exceed `maxIssued`.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
}
