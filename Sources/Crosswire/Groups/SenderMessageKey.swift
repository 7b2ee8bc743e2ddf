import CrosswireCrypto

/// The key of one group message: `HKDF(seed, no salt, "WhisperGroup", 48)` split **IV [0,16) ‖ AES key
/// [16,48)** — the reverse of the 1:1 split, as libsignal does it.
struct SenderMessageKey: Sendable {
    static let info = Array("WhisperGroup".utf8)
    let iteration: UInt32
    let iv: SecretBytes
    let cipherKey: SecretBytes

    init(seed: SymmetricKey256, iteration: UInt32) {
        let derived = HKDF.derive(seed, info: Self.info, count: 48)
        self.iteration = iteration
        iv = derived.slice(0..<16)
        cipherKey = derived.slice(16..<48)
    }
}
