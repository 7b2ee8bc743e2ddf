/// A private key with its public key, computed once.
public struct ECKeyPair: Sendable {
    public let privateKey: ECPrivateKey
    public let publicKey: ECPublicKey

    public init(privateKey: ECPrivateKey) {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
    }

    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> ECKeyPair {
        ECKeyPair(privateKey: .generate(using: entropy))
    }
}

extension ECKeyPair: CustomStringConvertible {
    public var description: String { "ECKeyPair(public: \(publicKey), private: redacted)" }
}
