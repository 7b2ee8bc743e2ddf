import CrosswireCrypto

/// The keys of one message: `HKDF(seed, info "WhisperMessageKeys", 80)` split as AES key [0,32),
/// MAC key [32,64), IV [64,80). Kept as the one 80-byte secret the KDF produced (no copies per part).
/// Stored skipped keys keep only the 32-byte seed.
struct MessageKeys: Sendable {
    static let info = Array("WhisperMessageKeys".utf8)

    let material: SecretBytes
    let macKey: HMACKey
    let counter: UInt32

    init(seed: SecretBytes, counter: UInt32) throws {
        material = try HKDF.deriveKey(inputKeyMaterial: seed, info: Self.info, outputByteCount: 80)
        macKey = material.withUnsafeBytes { HMACKey(rawKey: UnsafeRawBufferPointer(rebasing: $0[32..<64])) }
        self.counter = counter
    }

    func encrypt(_ plaintext: UnsafeRawBufferPointer) throws -> [UInt8] {
        try material.withUnsafeBytes { keys in
            try AES256CBC.encrypt(plaintext, key: UnsafeRawBufferPointer(rebasing: keys[0..<32]), iv: UnsafeRawBufferPointer(rebasing: keys[64..<80]))
        }
    }

    func decrypt(_ ciphertext: [UInt8]) throws -> [UInt8] {
        try material.withUnsafeBytes { keys in
            try ciphertext.withUnsafeBytes {
                try AES256CBC.decrypt($0, key: UnsafeRawBufferPointer(rebasing: keys[0..<32]), iv: UnsafeRawBufferPointer(rebasing: keys[64..<80]))
            }
        }
    }

    /// For vectors and tests: the AES key and IV as separate secrets.
    var cipherKey: SecretBytes { material.slice(0..<32) }
    var iv: SecretBytes { material.slice(64..<80) }
}
