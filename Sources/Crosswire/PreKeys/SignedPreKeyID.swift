/// A signed prekey id (its own space, as in libsignal).
public struct SignedPreKeyID: PreKeyIdentifier {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
}
