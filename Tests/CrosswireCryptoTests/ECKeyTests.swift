import Testing
@_spi(Hazmat) @testable import CrosswireCrypto

@Suite("Curve25519 keys and X25519")
struct ECKeyTests {
    @Test("public keys serialize as 0x05 followed by u, and parse back")
    func serialization() throws {
        let pair = ECKeyPair.generate(using: SeededEntropy(seed: 1))
        let serialized = pair.publicKey.serialized
        #expect(serialized.count == 33)
        #expect(serialized[0] == 0x05)
        #expect(Array(serialized[1...]) == pair.publicKey.rawRepresentation)
        #expect(try ECPublicKey(serialized: serialized) == pair.publicKey)
        var appended: [UInt8] = [0xEE]
        pair.publicKey.appendSerialized(to: &appended)
        #expect(Array(appended[1...]) == serialized)
    }

    @Test("a wrong type byte, a wrong length or trailing bytes are typed errors")
    func badPublicKeys() {
        let u = [UInt8](repeating: 9, count: 32)
        #expect(throws: CryptoError(.invalidKeyType, "")) { try ECPublicKey(serialized: [0x06] + u) }
        #expect(throws: CryptoError(.invalidLength, "")) { try ECPublicKey(serialized: [0x05] + u + [0]) }
        #expect(throws: CryptoError(.invalidLength, "")) { try ECPublicKey(serialized: [0x05] + u.dropLast()) }
        #expect(throws: CryptoError(.invalidLength, "")) { try ECPublicKey(rawRepresentation: u.dropLast()) }
        #expect(throws: CryptoError(.invalidLength, "")) { try ECPrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 31)) }
    }

    @Test("private keys are clamped on load, so unclamped and clamped bytes are the same key")
    func clamping() throws {
        var raw = [UInt8](repeating: 0xFF, count: 32)
        let unclamped = try ECPrivateKey(rawRepresentation: raw)
        raw[0] &= 248; raw[31] &= 127; raw[31] |= 64
        let clamped = try ECPrivateKey(rawRepresentation: raw)
        #expect(unclamped.rawRepresentation == clamped.rawRepresentation)
        #expect(unclamped.rawRepresentation.unprotectedBytes == raw)
        #expect(unclamped.publicKey == clamped.publicKey)
    }

    @Test("agreement is symmetric")
    func agreement() throws {
        let entropy = SeededEntropy(seed: 2)
        let alice = ECKeyPair.generate(using: entropy), bob = ECKeyPair.generate(using: entropy)
        let ab = try alice.privateKey.sharedSecret(with: bob.publicKey)
        let ba = try bob.privateKey.sharedSecret(with: alice.publicKey)
        #expect(ab == ba)
        #expect(ab.count == 32)
    }

    @Test("low-order public keys are refused as non-contributory", arguments: [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ])
    func lowOrder(hex: String) throws {
        let point = try ECPublicKey(rawRepresentation: hexBytes(hex))
        let key = ECPrivateKey.generate(using: SeededEntropy(seed: 3))
        #expect(throws: CryptoError(.nonContributoryKey, "")) { try key.sharedSecret(with: point) }
    }

    @Test("keys generated from the same seed are identical, from different seeds differ")
    func deterministicGeneration() {
        #expect(ECKeyPair.generate(using: SeededEntropy(seed: 4)).publicKey == ECKeyPair.generate(using: SeededEntropy(seed: 4)).publicKey)
        #expect(ECKeyPair.generate(using: SeededEntropy(seed: 4)).publicKey != ECKeyPair.generate(using: SeededEntropy(seed: 5)).publicKey)
    }
}

func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(text.utf8)[...]
    while chars.count >= 2 {
        out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
        chars = chars.dropFirst(2)
    }
    return out
}

@Suite("Canonical public keys")
struct CanonicalKeyTests {
    @Test("u < p with bit 255 clear is canonical; p, p+1 and the top bit are not", arguments: [
        ("0900000000000000000000000000000000000000000000000000000000000000", true),
        ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", true),
        ("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", false),
        ("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", false),
        ("0900000000000000000000000000000000000000000000000000000000000080", false),
        ("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7e", true),
    ])
    func canonical(hex: String, expected: Bool) throws {
        #expect(try ECPublicKey(rawRepresentation: hexBytes(hex)).isCanonical == expected)
    }
}

/// A private key restored from a record beside its stored public key skips swift-crypto's key object
/// (which derives the public key); its agreement runs on libsodium and must agree with BoringSSL's.
@Suite("Restored private keys")
struct RestoredPrivateKeyTests {
    @Test("a restored key agrees, derives and refuses low-order points exactly as a created one", arguments: 0..<8)
    func restoredMatchesCreated(seed: Int) throws {
        let entropy = SeededEntropy(seed: UInt64(900 + seed))
        let created = ECPrivateKey.generate(using: entropy)
        let restored = try ECPrivateKey(restoring: created.rawRepresentation.unprotectedBytes)
        let peer = ECKeyPair.generate(using: entropy).publicKey
        #expect(try restored.sharedSecret(with: peer) == created.sharedSecret(with: peer))
        #expect(restored.publicKey == created.publicKey)
        let lowOrder = try ECPublicKey(rawRepresentation: [UInt8](repeating: 0, count: 32))
        #expect(throws: CryptoError(.nonContributoryKey, "")) { try restored.sharedSecret(with: lowOrder) }
        #expect(throws: CryptoError(.nonContributoryKey, "")) { try created.sharedSecret(with: lowOrder) }
    }
}
