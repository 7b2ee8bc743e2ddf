/// A KEM prekey id (its own space, like libsignal's Kyber prekey ids).
public struct KEMPreKeyID: PreKeyIdentifier {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
}
