import Testing
@_spi(Hazmat) @testable import CrosswireCrypto

@Suite("HMAC, HKDF, AES-256-CBC, SHA-512, ML-KEM")
struct SymmetricTests {
    @Test("a keyed HMAC state gives the same tags as a fresh key each time")
    func keyedStateReuse() {
        let key = HMACKey(rawKey: [UInt8](repeating: 7, count: 32))
        let first = key.authenticationCode(for: [UInt8(1)])
        let second = key.authenticationCode(for: [UInt8(2)])
        #expect(first != second)
        #expect(key.authenticationCode(for: [UInt8(1)]) == first)
        #expect(HMACKey(rawKey: [UInt8](repeating: 7, count: 32)).authenticationCode(for: [UInt8(1)]) == first)
        #expect(key.secretAuthenticationCode(for: [UInt8(2)]).unprotectedBytes == second)
    }

    @Test("truncated tags verify on their prefix only, never below 8 bytes")
    func truncatedTags() {
        let key = HMACKey(rawKey: [1, 2, 3] as [UInt8])
        let tag = key.authenticationCode(for: [4, 5] as [UInt8])
        #expect(key.isValidAuthenticationCode(Array(tag.prefix(8)), for: [4, 5] as [UInt8]))
        #expect(!key.isValidAuthenticationCode(Array(tag.prefix(7)), for: [4, 5] as [UInt8]))
        #expect(!key.isValidAuthenticationCode(tag + [0], for: [4, 5] as [UInt8]))
        var bad = Array(tag.prefix(8)); bad[7] ^= 1
        #expect(!key.isValidAuthenticationCode(bad, for: [4, 5] as [UInt8]))
    }

    @Test("HKDF refuses lengths it cannot produce")
    func hkdfLengths() {
        #expect(throws: CryptoError(.invalidOutputLength, "")) {
            try HKDF.deriveKey(inputKeyMaterial: [1] as [UInt8], info: [] as [UInt8], outputByteCount: 0)
        }
        #expect(throws: CryptoError(.invalidOutputLength, "")) {
            try HKDF.deriveKey(inputKeyMaterial: [1] as [UInt8], info: [] as [UInt8], outputByteCount: 255 * 32 + 1)
        }
        let long = try? HKDF.deriveKey(inputKeyMaterial: [1] as [UInt8], info: [] as [UInt8], outputByteCount: 255 * 32)
        #expect(long?.count == 255 * 32)
    }

    @Test("no salt equals an explicit 32-byte zero salt and a secret zero salt")
    func zeroSalt() throws {
        let info = Array("WhisperText".utf8)
        let a = try HKDF.deriveKey(inputKeyMaterial: [5, 6] as [UInt8], info: info, outputByteCount: 64)
        let b = try HKDF.deriveKey(inputKeyMaterial: [5, 6] as [UInt8], salt: [UInt8](repeating: 0, count: 32), info: info, outputByteCount: 64)
        let c = try HKDF.deriveKey(inputKeyMaterial: [5, 6] as [UInt8], salt: SecretBytes([UInt8](repeating: 0, count: 32)), info: info, outputByteCount: 64)
        #expect(a == b && b == c)
    }

    @Test("AES-256-CBC: bad lengths, bad padding and wrong keys are typed errors")
    func aesErrors() throws {
        let key = SecretBytes([UInt8](repeating: 1, count: 32)), iv = [UInt8](repeating: 2, count: 16)
        let ciphertext = try AES256CBC.encrypt([1, 2, 3] as [UInt8], key: key, iv: iv)
        #expect(ciphertext.count == 16)
        #expect(try AES256CBC.decrypt(ciphertext, key: key, iv: iv) == [1, 2, 3])
        let full = try AES256CBC.encrypt([UInt8](repeating: 3, count: 16), key: key, iv: iv)
        #expect(full.count == 32)  // a whole block of padding
        #expect(throws: CryptoError(.invalidCiphertextLength, "")) { try AES256CBC.decrypt([] as [UInt8], key: key, iv: iv) }
        #expect(throws: CryptoError(.invalidCiphertextLength, "")) { try AES256CBC.decrypt(ciphertext.dropLast(), key: key, iv: iv) }
        #expect(throws: CryptoError(.invalidLength, "")) { try AES256CBC.decrypt(ciphertext, key: key, iv: iv.dropLast()) }
        #expect(throws: CryptoError(.invalidLength, "")) {
            try AES256CBC.encrypt([1] as [UInt8], key: SecretBytes([UInt8](repeating: 1, count: 16)), iv: iv)
        }
        #expect(throws: CryptoError(.invalidPadding, "")) {
            try AES256CBC.decrypt(ciphertext, key: SecretBytes([UInt8](repeating: 9, count: 32)), iv: iv)
        }
    }

    @Test("PKCS#7 unpadding accepts exactly 1...16 equal pad bytes", arguments: [
        ([UInt8](repeating: 7, count: 15) + [1], 15),
        ([UInt8](repeating: 16, count: 16), 0),
        ([UInt8](repeating: 9, count: 12) + [4, 4, 4, 4], 12),
        ([UInt8](repeating: 9, count: 12) + [4, 5, 4, 4], -1),
        ([UInt8](repeating: 0, count: 16), -1),
        ([UInt8](repeating: 17, count: 32), -1),
        ([UInt8](repeating: 1, count: 16) + [UInt8](repeating: 16, count: 16), 16),
        ([UInt8](repeating: 1, count: 16) + [1] + [UInt8](repeating: 16, count: 15), -1),
    ])
    func unpadding(block: [UInt8], expected: Int) {
        #expect(block.withUnsafeBytes { AES256CBC.unpaddedLength($0) } == expected)
    }

    @Test("SHA-512 of 'abc' (FIPS 180-2)")
    func sha512() {
        let digest = SHA512Hash.hash(Array("abc".utf8))
        #expect(digest == hexBytes("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"))
    }

    @Test("ML-KEM-1024: keys round-trip with the 0x0A type byte; encapsulation decapsulates to the same secret")
    func mlkem() throws {
        let key = MLKEMPrivateKey.generate(using: SeededEntropy(seed: 20))
        let again = MLKEMPrivateKey.generate(using: SeededEntropy(seed: 20))
        #expect(key.publicKey == again.publicKey)
        let serialized = key.publicKey.serialized
        #expect(serialized.count == 1569 && serialized[0] == 0x0A)
        #expect(try MLKEMPublicKey(serialized: serialized) == key.publicKey)
        #expect(throws: CryptoError(.invalidKeyType, "")) { try MLKEMPublicKey(serialized: [0x08] + serialized.dropFirst()) }
        #expect(throws: CryptoError(.invalidLength, "")) { try MLKEMPublicKey(serialized: serialized.dropLast()) }
        let (secret, ciphertext) = try key.publicKey.encapsulate()
        #expect(ciphertext.count == 1568)
        #expect(try key.decapsulate(ciphertext) == secret)
        #expect(throws: CryptoError(.invalidLength, "")) { try key.decapsulate(ciphertext.dropLast()) }
        var tampered = ciphertext; tampered[0] ^= 1
        #expect(try key.decapsulate(tampered) != secret)  // implicit rejection
    }
}
