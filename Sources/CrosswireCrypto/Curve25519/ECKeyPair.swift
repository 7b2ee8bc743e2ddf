/// A private key with its public key, computed once.
public struct ECKeyPair: Sendable {
    /// Secret: the clamped scalar.
    public let privateKey: ECPrivateKey
    /// Derived from `privateKey` at creation, so reading it costs nothing.
    public let publicKey: ECPublicKey

    /// Derives the public key once, here.
    public init(privateKey: ECPrivateKey) {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
    }

    /// A pair whose public half was stored beside the private one (a session record's sending ratchet
    /// key): no derivation, so parsing a record costs no scalar multiplication. The caller vouches that
    /// they match; records are authenticated where they are kept.
    package init(privateKey: ECPrivateKey, storedPublicKey: ECPublicKey) {
        self.privateKey = privateKey
        self.publicKey = storedPublicKey
    }

    /// A fresh pair; pass `SeededEntropy` only in tests and vector generation.
    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> ECKeyPair {
        ECKeyPair(privateKey: .generate(using: entropy))
    }
}

extension ECKeyPair: CustomStringConvertible {
    /// Shows the public key only; the private key is redacted.
    public var description: String { "ECKeyPair(public: \(publicKey), private: redacted)" }
}
