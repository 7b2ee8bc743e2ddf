import CrosswireCrypto

/// A sender's hash chain: `HMAC(ck, 0x01)` seeds the message key at `iteration`, `HMAC(ck, 0x02)` is the
/// chain key at `iteration + 1` (the same constants as 1:1 chains).
struct SenderChainKey: Sendable {
    let iteration: UInt32
    let seed: SecretBytes

    func step() throws -> (messageSeed: SecretBytes, next: SenderChainKey) {
        guard iteration < UInt32.max else {
            throw ProtocolError(.invalidArgument, "sender key iteration would overflow 32 bits")
        }
        let hmac = HMACKey(seed)
        return (hmac.secretAuthenticationCode(forByte: 0x01),
                SenderChainKey(iteration: iteration + 1, seed: hmac.secretAuthenticationCode(forByte: 0x02)))
    }
}

/// The key of one group message: `HKDF(seed, no salt, "WhisperGroup", 48)` split **IV [0,16) ‖ AES key
/// [16,48)** — the reverse of the 1:1 split, as libsignal does it.
struct SenderMessageKey: Sendable {
    static let info = Array("WhisperGroup".utf8)
    let iteration: UInt32
    let iv: SecretBytes
    let cipherKey: SecretBytes

    init(seed: SecretBytes, iteration: UInt32) throws {
        let derived = try HKDF.deriveKey(inputKeyMaterial: seed, info: Self.info, outputByteCount: 48)
        self.iteration = iteration
        iv = derived.slice(0..<16)
        cipherKey = derived.slice(16..<48)
    }
}
