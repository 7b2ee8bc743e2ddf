import CrosswireCrypto

/// The keys of one message: `HKDF(seed, info "WhisperMessageKeys", 80)` split as AES key [0,32),
/// MAC key [32,64), IV [64,80). Stored skipped keys keep only the 32-byte seed.
struct MessageKeys: Sendable {
    static let info = Array("WhisperMessageKeys".utf8)

    let cipherKey: SecretBytes
    let macKey: HMACKey
    let iv: SecretBytes
    let counter: UInt32

    init(seed: SecretBytes, counter: UInt32) throws {
        let derived = try HKDF.deriveKey(inputKeyMaterial: seed, info: Self.info, outputByteCount: 80)
        cipherKey = derived.slice(0..<32)
        macKey = derived.withUnsafeBytes { HMACKey(rawKey: UnsafeRawBufferPointer(rebasing: $0[32..<64])) }
        iv = derived.slice(64..<80)
        self.counter = counter
    }
}
