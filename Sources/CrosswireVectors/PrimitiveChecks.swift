@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// The checkers for primitive vectors: Wycheproof's X25519, Ed25519, HKDF, HMAC, AES-CBC and ML-KEM files,
/// and Crosswire's own XEdDSA and message-key known answers. Each decides a case by `expect`'s rules.
extension VectorRunner {
    static func x25519(_ test: VectorFile.Case) throws -> Verdict {
        let expected = try test.bytes("shared")
        var output: SecretBytes?
        var ownPublicMatches = true
        do {
            let key = try ECPrivateKey(rawRepresentation: test.bytes("private"))
            if test.strings["publicOfPrivate"] != nil {
                ownPublicMatches = try key.publicKey.rawRepresentation == test.bytes("publicOfPrivate")
            }
            output = try key.sharedSecret(with: ECPublicKey(rawRepresentation: test.bytes("public")))
        } catch let error as CryptoError where error.code == .nonContributoryKey {
            output = nil
        }
        let zeroExpected = expected.allSatisfy { $0 == 0 }
        let matches = ownPublicMatches && output?.unprotectedBytes == expected
        return expect(test, succeeded: output != nil, matches: matches, acceptableShouldPass: !zeroExpected)
    }

    /// A base key is valid exactly when it is in the prime-order subgroup. A valid case with `private`
    /// must be that key's public key; an invalid case with `equivalentTo` must give the same X25519
    /// result as that key (so refusing it is what stops a re-encoded replay, not a coincidence).
    static func x25519BaseKey(_ test: VectorFile.Case) throws -> Verdict {
        let key = try ECPublicKey(rawRepresentation: test.bytes("public"))
        var matches = true
        if test.strings["private"] != nil {
            matches = try ECPrivateKey(rawRepresentation: test.bytes("private")).publicKey == key
        }
        if test.strings["equivalentTo"] != nil {
            let scalar = ECPrivateKey.generate(using: SeededEntropy(seed: UInt64(test.id)))
            let original = try ECPublicKey(rawRepresentation: test.bytes("equivalentTo"))
            guard try scalar.sharedSecret(with: key) == scalar.sharedSecret(with: original) else {
                return .fail("not equivalent under X25519 to the key it claims")
            }
        }
        return expect(test, succeeded: key.isInPrimeOrderSubgroup, matches: matches)
    }

    /// RFC 7748 §5.2: k = u = 9, then repeatedly k, u ← X25519(k, u), k.
    static func x25519Iterated(_ test: VectorFile.Case) throws -> Verdict {
        var k = [UInt8](repeating: 0, count: 32)
        k[0] = 9
        var u = k
        for _ in 0..<(test.integers["iterations"] ?? 0) {
            let next = try ECPrivateKey(rawRepresentation: k).sharedSecret(with: ECPublicKey(rawRepresentation: u)).unprotectedBytes
            u = k
            k = next
        }
        return expect(test, succeeded: true, matches: try k == test.bytes("output"))
    }

    static func ed25519(_ test: VectorFile.Case, publicKey: [UInt8]) throws -> Verdict {
        let ok = try test.bytes("msg").withUnsafeBytes { message in
            try publicKey.withUnsafeBytes { key in
                Ed25519.verify(try test.bytes("sig"), message: message, edwardsPublicKey: key)
            }
        }
        return expect(test, succeeded: ok, matches: true)
    }

    static func xeddsaVerify(_ test: VectorFile.Case) throws -> Verdict {
        let key = try ECPublicKey(rawRepresentation: test.bytes("public"))
        let ok = key.isValidSignature(try test.bytes("signature"), for: try test.bytes("message"))
        return expect(test, succeeded: ok, matches: true)
    }

    static func xeddsaSign(_ test: VectorFile.Case) throws -> Verdict {
        let key = try ECPrivateKey(rawRepresentation: test.bytes("private"))
        let message = try test.bytes("message")
        let random = try test.bytes("random"), expected = try test.bytes("signature")
        let expectedPublic = test.strings["public"] == nil ? nil : try test.bytes("public")
        let signature = key.rawRepresentation.withUnsafeBytes { k in
            message.withUnsafeBytes { XEdDSA.sign($0, clampedKey: k, z: random) }
        }
        let verifies = key.publicKey.isValidSignature(signature, for: message)
        let publicMatches = expectedPublic == nil || key.publicKey.rawRepresentation == expectedPublic
        return expect(test, succeeded: verifies, matches: publicMatches && signature == expected)
    }

    static func hkdf(_ test: VectorFile.Case) throws -> Verdict {
        let size = test.integers["size"] ?? 0
        let salt = test.strings["salt"] == nil ? nil : try test.bytes("salt")
        do {
            let okm = try HKDF.deriveKey(inputKeyMaterial: test.bytes("ikm"), salt: salt, info: test.bytes("info"), outputByteCount: size)
            return expect(test, succeeded: true, matches: okm.unprotectedBytes == (try test.bytes("okm")))
        } catch is CryptoError {
            return expect(test, succeeded: false, matches: false)
        }
    }

    static func hmac(_ test: VectorFile.Case) throws -> Verdict {
        let key = HMACKey(rawKey: try test.bytes("key"))
        let message = try test.bytes("msg"), tag = try test.bytes("tag")
        let full = key.authenticationCode(for: message)
        let valid = key.isValidAuthenticationCode(tag, for: message)
        let prefixMatches = tag.count <= 32 && Array(full.prefix(tag.count)) == tag
        // Both paths must agree: the constant-time check and the plain computation.
        if valid != prefixMatches && tag.count >= 8 { return .fail("constant-time check disagrees with the tag computation") }
        return expect(test, succeeded: valid, matches: true)
    }

    static func aesCBC(_ test: VectorFile.Case, keyBits: Int) throws -> Verdict {
        let key = SecretBytes(try test.bytes("key"))
        let iv = try test.bytes("iv"), message = try test.bytes("msg"), ciphertext = try test.bytes("ct")
        if keyBits != 256 {
            do {
                _ = try AES256CBC.decrypt(ciphertext.isEmpty ? [UInt8](repeating: 0, count: 16) : ciphertext, key: key, iv: iv)
                return .fail("a \(keyBits)-bit AES key was not refused")
            } catch let error as CryptoError where error.code == .invalidLength || error.code == .invalidCiphertextLength {
                return .pass  // refused by design: AES-256 only
            }
        }
        do {
            let decrypted = try AES256CBC.decrypt(ciphertext, key: key, iv: iv)
            let encrypted = try AES256CBC.encrypt(message, key: key, iv: iv)
            return expect(test, succeeded: true, matches: decrypted == message && encrypted == ciphertext)
        } catch is CryptoError {
            return expect(test, succeeded: false, matches: false)
        }
    }

    static func mlkemDecaps(_ test: VectorFile.Case) throws -> Verdict {
        do {
            let key = try MLKEMPrivateKey(seed: SecretBytes(test.bytes("seed")))
            if test.strings["ek"] != nil, key.publicKey.rawRepresentation != (try test.bytes("ek")) {
                return expect(test, succeeded: true, matches: false)
            }
            let shared = try key.decapsulate(test.bytes("c"))
            return expect(test, succeeded: true, matches: shared.unprotectedBytes == (try test.bytes("K")))
        } catch is CryptoError {
            return expect(test, succeeded: false, matches: false)
        }
    }

    static func mlkemEncaps(_ test: VectorFile.Case) throws -> Verdict {
        do {
            let key = try MLKEMPublicKey(rawRepresentation: test.bytes("ek"))
            let (secret, ciphertext) = try key.encapsulate()
            return expect(test, succeeded: true, matches: ciphertext.count == MLKEMPublicKey.ciphertextCount && secret.count == 32)
        } catch is CryptoError {
            return expect(test, succeeded: false, matches: false)
        }
    }

    /// libsignal's chain step: seed = HMAC(ck, 0x01), next = HMAC(ck, 0x02),
    /// HKDF(seed, info "WhisperMessageKeys") → cipher key ‖ MAC key ‖ IV.
    static func signalMessageKeys(_ test: VectorFile.Case) throws -> Verdict {
        let chain = HMACKey(rawKey: try test.bytes("chainKey"))
        let seed = chain.secretAuthenticationCode(for: [UInt8(0x01)])
        let next = chain.secretAuthenticationCode(for: [UInt8(0x02)])
        let keys = try seed.withUnsafeBytes {
            try HKDF.deriveKey(inputKeyMaterial: $0, info: Array("WhisperMessageKeys".utf8), outputByteCount: 80)
        }.unprotectedBytes
        let matches = try Array(keys[0..<32]) == test.bytes("cipherKey")
            && Array(keys[32..<64]) == test.bytes("macKey")
            && Array(keys[64..<80]) == test.bytes("iv")
            && next.unprotectedBytes == test.bytes("nextChainKey")
        return expect(test, succeeded: true, matches: matches)
    }
}
