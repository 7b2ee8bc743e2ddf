/// A KEM prekey id (its own space, like libsignal's Kyber prekey ids).
public struct KEMPreKeyID: PreKeyIdentifier {
    /// The id, as in bundles and PreKey messages.
    public let rawValue: UInt32
    /// Any value: ids from peers are not range-checked.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
}
