import CrosswireCrypto

/// The root of the Double Ratchet. Each DH ratchet step feeds a new X25519 output through
/// `HKDF(salt: root, ikm: DH, info: "WhisperRatchet")` into a new root key and a chain key.
struct RootKey: Sendable {
    static let info = Array("WhisperRatchet".utf8)
    let key: SymmetricKey256

    init(_ key: SymmetricKey256) { self.key = key }

    func createChain(theirRatchetKey: ECPublicKey, ourRatchetKey: ECPrivateKey) throws(SessionError) -> (RootKey, ChainKey) {
        let shared: SecretBytes
        do {
            shared = try ourRatchetKey.sharedSecret(with: theirRatchetKey)
        } catch {
            throw SessionError(.invalidKey, "ratchet key agreement failed: \(error.reason)", underlying: error)
        }
        let derived = HKDF.derive(shared, salt: key.rawRepresentation, info: Self.info, count: 64)
        return (RootKey(SymmetricKey256(exactly: derived.slice(0..<32))),
                ChainKey(SymmetricKey256(exactly: derived.slice(32..<64)), index: 0))
    }
}
