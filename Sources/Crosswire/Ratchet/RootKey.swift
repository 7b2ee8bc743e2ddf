import CrosswireCrypto

/// The root of the Double Ratchet. Each DH ratchet step feeds a new X25519 output through
/// `HKDF(salt: root, ikm: DH, info: "WhisperRatchet")` into a new root key and a chain key.
struct RootKey: Sendable {
    static let info = Array("WhisperRatchet".utf8)
    let key: SecretBytes

    init(_ key: SecretBytes) {
        precondition(key.count == 32)
        self.key = key
    }

    func createChain(theirRatchetKey: ECPublicKey, ourRatchetKey: ECPrivateKey) throws -> (RootKey, ChainKey) {
        let shared: SecretBytes
        do {
            shared = try ourRatchetKey.sharedSecret(with: theirRatchetKey)
        } catch {
            throw ProtocolError(.invalidKey, "ratchet key agreement failed: \(error)")
        }
        let derived = try HKDF.deriveKey(inputKeyMaterial: shared, salt: key, info: Self.info, outputByteCount: 64)
        return (RootKey(derived.slice(0..<32)), ChainKey(derived.slice(32..<64), index: 0))
    }
}
