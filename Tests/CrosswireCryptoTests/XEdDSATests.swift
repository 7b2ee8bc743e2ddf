import Testing
@_spi(Hazmat) @testable import CrosswireCrypto

@Suite("XEdDSA")
struct XEdDSATests {
    @Test("signatures verify, and any single bit flip in signature or message fails")
    func roundTripAndTamper() {
        let entropy = SeededEntropy(seed: 10)
        for length in [0, 1, 33, 200] {
            let pair = ECKeyPair.generate(using: entropy)
            let message = entropy.bytes(length)
            let signature = pair.privateKey.signature(for: message, using: entropy)
            #expect(signature.count == 64)
            #expect(pair.publicKey.isValidSignature(signature, for: message))
            for index in [0, 17, 31, 32, 50, 63] {
                for bit in [0, 7] {
                    var bad = signature
                    bad[index] ^= UInt8(1 << bit)
                    #expect(!pair.publicKey.isValidSignature(bad, for: message))
                }
            }
            if length > 0 {
                var badMessage = message
                badMessage[0] ^= 1
                #expect(!pair.publicKey.isValidSignature(signature, for: badMessage))
            }
            #expect(!pair.publicKey.isValidSignature(signature.dropLast(), for: message))
            #expect(!ECKeyPair.generate(using: entropy).publicKey.isValidSignature(signature, for: message))
        }
    }

    @Test("the sign bit of the Edwards key travels in the signature (both values occur)")
    func signBitIsCarried() {
        let entropy = SeededEntropy(seed: 11)
        var seen = Set<UInt8>()
        for _ in 0..<24 {
            let pair = ECKeyPair.generate(using: entropy)
            let signature = pair.privateKey.signature(for: [1, 2, 3], using: entropy)
            #expect(pair.publicKey.isValidSignature(signature, for: [1, 2, 3] as [UInt8]))
            seen.insert(signature[63] >> 7)
        }
        #expect(seen == [0, 1])
    }

    @Test("a fresh random Z gives a different signature each time; a seeded one repeats")
    func randomness() {
        let pair = ECKeyPair.generate(using: SeededEntropy(seed: 12))
        let message: [UInt8] = [9, 9, 9]
        #expect(pair.privateKey.signature(for: message) != pair.privateKey.signature(for: message))
        #expect(pair.privateKey.signature(for: message, using: SeededEntropy(seed: 1))
            == pair.privateKey.signature(for: message, using: SeededEntropy(seed: 1)))
    }

    @Test("u = p - 1 has no Edwards image and verifies nothing")
    func minusOne() throws {
        let key = try ECPublicKey(rawRepresentation: hexBytes("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))
        #expect(!key.isValidSignature([UInt8](repeating: 0, count: 64), for: [] as [UInt8]))
    }
}
