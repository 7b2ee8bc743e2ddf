@_spi(Hazmat) import CrosswireCrypto

/// The keys of one message: `HKDF(seed, info "WhisperMessageKeys", 80)` split as AES key [0,32),
/// MAC key [32,64), IV [64,80). Kept as the one 80-byte secret the KDF produced (no copies per part).
/// Stored skipped keys keep only the 32-byte seed.
struct MessageKeys: Sendable {
    static let info = Array("WhisperMessageKeys".utf8)

    let material: SecretBytes
    let macKey: HMACKey
    let counter: UInt32

    init(seed: SymmetricKey256, counter: UInt32) {
        material = HKDF.derive(seed, info: Self.info, count: 80)
        macKey = material.withUnsafeBytes { HMACKey(rawKey: UnsafeRawBufferPointer(rebasing: $0[32..<64])) }
        self.counter = counter
    }

    func encrypt(_ plaintext: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        let result = material.withUnsafeBytes { keys in
            Result { () throws(CryptoError) in
                try AES256CBC.encrypt(plaintext, key: UnsafeRawBufferPointer(rebasing: keys[0..<32]),
                                      iv: UnsafeRawBufferPointer(rebasing: keys[64..<80]))
            }
        }
        return try result.get()
    }

    func decrypt(_ ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        let result = material.withUnsafeBytes { keys in
            ciphertext.withUnsafeBytes { input in
                Result { () throws(CryptoError) in
                    try AES256CBC.decrypt(input, key: UnsafeRawBufferPointer(rebasing: keys[0..<32]),
                                          iv: UnsafeRawBufferPointer(rebasing: keys[64..<80]))
                }
            }
        }
        return try result.get()
    }

    /// For vectors and tests: the AES key and IV as separate secrets.
    package var cipherKey: SecretBytes { material.slice(0..<32) }
    package var iv: SecretBytes { material.slice(64..<80) }
}
