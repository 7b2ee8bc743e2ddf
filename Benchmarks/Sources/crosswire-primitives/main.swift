import BenchmarkSupport
import CBaseline
import Crypto
import CryptoExtras
@_spi(Hazmat) import CrosswireCrypto
import FoundationEssentials
import Glibc

// Every primitive of CrosswireCrypto next to the call it wraps (its provider, called directly) and the
// alternative providers, so the wrapper overhead and the provider choice are visible as ratios.
// Usage: swift run -c release crosswire-primitives [--json] [--filter TEXT]

let arguments = CommandLine.arguments
let json = arguments.contains("--json")
let filter = arguments.firstIndex(of: "--filter").map { arguments[$0 + 1].lowercased() }
cw_init()

var rows: [Measurement] = []
@MainActor func run(_ group: String, _ name: String, _ role: Measurement.Role, _ body: () -> Void) {
    if let filter, !group.lowercased().contains(filter) { return }
    rows.append(measure(group, name, role: role, body))
}

let entropy = SeededEntropy(seed: 42)
let alice = ECKeyPair.generate(using: entropy)
let bob = ECKeyPair.generate(using: entropy)
let aliceRaw = alice.privateKey.rawRepresentation.unprotectedBytes
let bobPublicRaw = bob.publicKey.rawRepresentation
let scAlice = try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: aliceRaw)
let scBob = try! Curve25519.KeyAgreement.PublicKey(rawRepresentation: bobPublicRaw)
var out32 = [UInt8](repeating: 0, count: 32)
var out64 = [UInt8](repeating: 0, count: 64)

// X25519 agreement
run("X25519 agreement", "ECPrivateKey.sharedSecret(with:)", .crosswire) {
    blackHole(try! alice.privateKey.sharedSecret(with: bob.publicKey))
}
run("X25519 agreement", "swift-crypto sharedSecretFromKeyAgreement (prebuilt keys)", .wrapped) {
    blackHole(try! scAlice.sharedSecretFromKeyAgreement(with: scBob))
}
run("X25519 agreement", "libsodium crypto_scalarmult (C)", .alternative) {
    _ = cw_sodium_x25519(&out32, aliceRaw, bobPublicRaw)
}
run("X25519 agreement", "OpenSSL EVP_PKEY_derive (C, keys built per call)", .alternative) {
    _ = cw_ossl_x25519(&out32, aliceRaw, bobPublicRaw)
}

// X25519 key generation
let keygenEntropy = SystemEntropy()
run("X25519 key generation", "ECKeyPair.generate()", .crosswire) {
    blackHole(ECKeyPair.generate(using: keygenEntropy))
}
run("X25519 key generation", "swift-crypto PrivateKey(rawRepresentation:) + publicKey", .wrapped) {
    blackHole(try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: aliceRaw).publicKey)
}
run("X25519 key generation", "libsodium crypto_scalarmult_base (C)", .alternative) {
    _ = cw_sodium_x25519_base(&out32, aliceRaw)
}
run("X25519 key generation", "libsodium Ed25519 base table + birational map (C)", .alternative) {
    _ = cw_sodium_x25519_base_via_ed25519(&out32, aliceRaw)
}

// XEdDSA
let message100 = entropy.bytes(100)
let signature = alice.privateKey.signature(for: message100)
var edPublic = [UInt8](repeating: 0, count: 32), edSecret = [UInt8](repeating: 0, count: 64)
cw_sodium_ed25519_keypair(&edPublic, &edSecret)
var edSignature = [UInt8](repeating: 0, count: 64)
cw_sodium_ed25519_sign(&edSignature, message100, 100, edSecret)
run("XEdDSA sign, 100 B", "ECPrivateKey.signature(for:)", .crosswire) {
    blackHole(alice.privateKey.signature(for: message100, using: keygenEntropy))
}
run("XEdDSA sign, 100 B", "libsodium Ed25519 crypto_sign_detached (C, same work)", .wrapped) {
    cw_sodium_ed25519_sign(&out64, message100, 100, edSecret)
}
run("XEdDSA verify, 100 B", "ECPublicKey.isValidSignature(_:for:) (Edwards form cached)", .crosswire) {
    blackHole(alice.publicKey.isValidSignature(signature, for: message100))
}
run("XEdDSA verify, 100 B", "libsodium crypto_sign_verify_detached (C)", .wrapped) {
    blackHole(cw_sodium_ed25519_verify(edSignature, message100, 100, edPublic))
}

// HMAC-SHA256
let key32 = entropy.bytes(32)
let message32 = entropy.bytes(32)
let hmacKey = HMACKey(rawKey: key32)
let sodiumKey = cw_sodium_hmac_key_new(key32, 32)
let osslKey = cw_ossl_hmac_key_new(key32, 32)
let scKey = SymmetricKey(data: key32)
let scKeyed = HMAC<SHA256>(key: scKey)
run("HMAC-SHA256, 32 B, key already absorbed", "HMACKey.authenticationCode(for:)", .crosswire) {
    blackHole(hmacKey.authenticationCode(for: message32))
}
run("HMAC-SHA256, 32 B, key already absorbed", "libsodium keyed state copy (C)", .alternative) {
    cw_sodium_hmac_keyed(sodiumKey, &out32, message32, 32)
}
run("HMAC-SHA256, 32 B, key already absorbed", "OpenSSL SHA256_CTX keyed copy, SHA-NI (C)", .wrapped) {
    cw_ossl_hmac_keyed(osslKey, &out32, message32, 32)
}
run("HMAC-SHA256, 32 B, key already absorbed", "swift-crypto HMAC<SHA256> struct copy", .alternative) {
    var h = scKeyed
    h.update(data: message32)
    blackHole(h.finalize())
}
run("HMAC-SHA256, 32 B, new key", "HMACKey(rawKey:) + authenticationCode", .crosswire) {
    blackHole(HMACKey(rawKey: key32).authenticationCode(for: message32))
}
run("HMAC-SHA256, 32 B, new key", "libsodium crypto_auth_hmacsha256 init/update/final (C)", .alternative) {
    cw_sodium_hmac(&out32, key32, 32, message32, 32)
}
run("HMAC-SHA256, 32 B, new key", "OpenSSL HMAC() one-shot (C)", .alternative) {
    cw_ossl_hmac_oneshot(&out32, key32, 32, message32, 32)
}
run("HMAC-SHA256, 32 B, new key", "OpenSSL SHA256_CTX key setup + MAC, SHA-NI (C)", .wrapped) {
    let k = cw_ossl_hmac_key_new(key32, 32)
    cw_ossl_hmac_keyed(k, &out32, message32, 32)
    free(UnsafeMutableRawPointer(k))
}
run("HMAC-SHA256, 32 B, new key", "swift-crypto HMAC.authenticationCode", .alternative) {
    blackHole(HMAC<SHA256>.authenticationCode(for: message32, using: scKey))
}
let chainKey = SecretBytes(key32)
run("Chain step: two HMACs (0x01, 0x02) on a new chain key", "HMACKey(ck) + 2 × secretAuthenticationCode", .crosswire) {
    let k = HMACKey(chainKey)
    blackHole(k.secretAuthenticationCode(forByte: 1))
    blackHole(k.secretAuthenticationCode(forByte: 2))
}
run("Chain step: two HMACs (0x01, 0x02) on a new chain key", "OpenSSL: key setup once + 2 keyed MACs, SHA-NI (C)", .wrapped) {
    let k = cw_ossl_hmac_key_new(key32, 32)
    var one: UInt8 = 1, two: UInt8 = 2
    cw_ossl_hmac_keyed(k, &out32, &one, 1)
    cw_ossl_hmac_keyed(k, &out32, &two, 1)
    free(UnsafeMutableRawPointer(k))
}
run("Chain step: two HMACs (0x01, 0x02) on a new chain key", "libsodium: 2 × one-shot HMAC (C)", .alternative) {
    cw_sodium_hmac(&out32, key32, 32, [1], 1)
    cw_sodium_hmac(&out32, key32, 32, [2], 1)
}

// HKDF
let info = Array("WhisperMessageKeys".utf8)
run("HKDF-SHA256, 32 B in, 80 B out, no salt", "HKDF.deriveKey", .crosswire) {
    blackHole(try! HKDF.deriveKey(inputKeyMaterial: key32, info: info, outputByteCount: 80))
}
run("HKDF-SHA256, 32 B in, 80 B out, no salt", "swift-crypto HKDF<SHA256>.deriveKey", .alternative) {
    blackHole(Crypto.HKDF<SHA256>.deriveKey(inputKeyMaterial: scKey, info: info, outputByteCount: 80))
}
run("HKDF-SHA256, 32 B in, 80 B out, no salt", "OpenSSL SHA-NI keyed HMAC states (C)", .wrapped) {
    var okm = [UInt8](repeating: 0, count: 80)
    cw_ossl_hkdf(&okm, 80, key32, 32, info, info.count)
    blackHole(okm)
}

// AES-256-CBC
let aesKey = SecretBytes(key32)
let iv = Array(entropy.bytes(16))
let plaintext100 = entropy.bytes(100)
let ciphertext = try! AES256CBC.encrypt(plaintext100, key: aesKey, iv: iv)
let scIV = try! AES._CBC.IV(ivBytes: iv)
let cbc = cw_ossl_cbc_new()
var cbcOut = [UInt8](repeating: 0, count: 256)
run("AES-256-CBC encrypt, 100 B", "AES256CBC.encrypt", .crosswire) {
    blackHole(try! AES256CBC.encrypt(plaintext100, key: aesKey, iv: iv))
}
run("AES-256-CBC encrypt, 100 B", "AES256CBC.encrypt(into:) (per-message path)", .crosswire) {
    aesKey.withUnsafeBytes { key in
        iv.withUnsafeBytes { ivBytes in
            plaintext100.withUnsafeBytes { input in
                cbcOut.withUnsafeMutableBytes { out in
                    try! AES256CBC.encrypt(input, key: key, iv: ivBytes, into: UnsafeMutableRawBufferPointer(rebasing: out[0..<112]))
                }
            }
        }
    }
}
run("AES-256-CBC encrypt, 100 B", "OpenSSL EVP, context per call (C)", .wrapped) {
    _ = cw_ossl_cbc_encrypt_fresh(&cbcOut, plaintext100, 100, key32, iv)
}
run("AES-256-CBC encrypt, 100 B", "swift-crypto AES._CBC.encrypt", .alternative) {
    blackHole(try! AES._CBC.encrypt(plaintext100, using: scKey, iv: scIV))
}
run("AES-256-CBC encrypt, 100 B", "OpenSSL EVP, reused context (C)", .alternative) {
    _ = cw_ossl_cbc_encrypt(cbc, &cbcOut, plaintext100, 100, key32, iv)
}
run("AES-256-CBC decrypt, 100 B", "AES256CBC.decrypt", .crosswire) {
    blackHole(try! AES256CBC.decrypt(ciphertext, key: aesKey, iv: iv))
}
run("AES-256-CBC decrypt, 100 B", "AES256CBC.decrypt(into:) (per-message path)", .crosswire) {
    aesKey.withUnsafeBytes { key in
        iv.withUnsafeBytes { ivBytes in
            ciphertext.withUnsafeBytes { input in
                cbcOut.withUnsafeMutableBytes { out in
                    blackHole(try! AES256CBC.decrypt(input, key: key, iv: ivBytes, into: out))
                }
            }
        }
    }
}
run("AES-256-CBC decrypt, 100 B", "OpenSSL EVP, context per call (C)", .wrapped) {
    _ = cw_ossl_cbc_decrypt_fresh(&cbcOut, ciphertext, Int32(ciphertext.count), key32, iv)
}
run("AES-256-CBC decrypt, 100 B", "swift-crypto AES._CBC.decrypt", .alternative) {
    blackHole(try! AES._CBC.decrypt(ciphertext, using: scKey, iv: scIV))
}
run("AES-256-CBC decrypt, 100 B", "OpenSSL EVP, reused context (C)", .alternative) {
    _ = cw_ossl_cbc_decrypt(cbc, &cbcOut, ciphertext, Int32(ciphertext.count), key32, iv)
}

// AES-256-GCM (storage row sealing): a sealed session record is ~1 KiB
let gcmKey = try! SymmetricKey256(rawRepresentation: key32)
let record1k = entropy.bytes(1024)
let aad = entropy.bytes(40)
let sealed = AES256GCM.seal(record1k, key: gcmKey, authenticating: aad)
run("AES-256-GCM seal, 1 KiB", "AES256GCM.seal (OpenSSL EVP)", .crosswire) {
    blackHole(AES256GCM.seal(record1k, key: gcmKey, authenticating: aad))
}
run("AES-256-GCM seal, 1 KiB", "swift-crypto AES.GCM.seal", .alternative) {
    blackHole(try! AES.GCM.seal(record1k, using: scKey, authenticating: aad).combined!)
}
run("AES-256-GCM open, 1 KiB", "AES256GCM.open (OpenSSL EVP)", .crosswire) {
    blackHole(try! AES256GCM.open(sealed, key: gcmKey, authenticating: aad))
}
let scSealed = try! AES.GCM.SealedBox(combined: sealed)
run("AES-256-GCM open, 1 KiB", "swift-crypto AES.GCM.open", .alternative) {
    blackHole(try! AES.GCM.open(scSealed, using: scKey, authenticating: aad))
}

// SHA-512
let message200 = entropy.bytes(200)
run("SHA-512, 200 B", "SHA512Hash.hash", .crosswire) {
    blackHole(SHA512Hash.hash(message200))
}
run("SHA-512, 200 B", "libsodium crypto_hash_sha512 (C)", .wrapped) {
    cw_sodium_sha512(&out64, message200, 200)
}
run("SHA-512, 200 B", "swift-crypto SHA512.hash", .alternative) {
    blackHole(SHA512.hash(data: message200))
}

// ML-KEM-1024
let kemKey = MLKEMPrivateKey.generate(using: entropy)
let kemPublic = kemKey.publicKey
let (_, kemCiphertext) = try! kemPublic.encapsulate()
let scKem = try! MLKEM1024.PrivateKey()
let scKemPublic = scKem.publicKey
let scEncapsulated = try! scKemPublic.encapsulate().encapsulated
run("ML-KEM-1024 key generation", "MLKEMPrivateKey.generate + publicKey", .crosswire) {
    blackHole(MLKEMPrivateKey.generate(using: keygenEntropy).publicKey)
}
run("ML-KEM-1024 key generation", "swift-crypto MLKEM1024.PrivateKey()", .wrapped) {
    blackHole(try! MLKEM1024.PrivateKey().publicKey)
}
run("ML-KEM-1024 encapsulate", "MLKEMPublicKey.encapsulate", .crosswire) {
    blackHole(try! kemPublic.encapsulate())
}
run("ML-KEM-1024 encapsulate", "swift-crypto PublicKey.encapsulate", .wrapped) {
    blackHole(try! scKemPublic.encapsulate())
}
run("ML-KEM-1024 decapsulate", "MLKEMPrivateKey.decapsulate", .crosswire) {
    blackHole(try! kemKey.decapsulate(kemCiphertext))
}
run("ML-KEM-1024 decapsulate", "swift-crypto PrivateKey.decapsulate", .wrapped) {
    blackHole(try! scKem.decapsulate(scEncapsulated))
}

printTable(rows, json: json)
