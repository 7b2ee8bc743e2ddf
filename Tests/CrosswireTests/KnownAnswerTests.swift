@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
@testable import Crosswire

/// Known answers from libsignal's own tests (FACTS §5.1).
@Suite("libsignal known answers")
struct KnownAnswerTests {
    static func key(_ hex: String) throws -> ECPrivateKey { try ECPrivateKey(rawRepresentation: try Hex.decode(hex)) }
    static func pub(_ hex: String) throws -> ECPublicKey { try ECPublicKey(serialized: try Hex.decode(hex)) }

    @Test("X3DH v3 without a one-time prekey derives libsignal's chain key (ratchet.rs, a280bc6)")
    func x3dh() throws {
        let bobIdentity = IdentityKeyPair(keyPair: ECKeyPair(privateKey: try Self.key("4875cc69ddf8ea0719ec947d61081135868d5fd801f02c0225e516df2156605e")))
        #expect(bobIdentity.identityKey.serialized == (try Hex.decode("05f1f43874f6966956c2dd473f8fa15adeb71d1cb991b2341692324cefb1c5e626")))
        let bobSignedPreKey = ECKeyPair(privateKey: try Self.key("583900131fb727998b7803fe6ac22cc591f342e4e42a8c8d5d78194209b8d253"))
        #expect(bobSignedPreKey.publicKey == (try Self.pub("05ac248a8f263be6863576eb0362e28c828f0107a3379d34bab1586bf8c770cd67")))
        let aliceIdentity = IdentityKey(try Self.pub("05b4a8455660ada65b401007f615e654041746432e3339c6875149bceefcb42b4a"))
        let aliceBase = try Self.pub("05e2c05860f2ac6b2b57ba564b421ffe71e4b128c591e46e0491cc9b33dbf22a27")
        let state = try X3DH.respond(
            identity: bobIdentity, localRegistrationID: RegistrationID(rawValue: 1)!, signedPreKey: bobSignedPreKey, oneTimePreKey: nil,
            theirIdentity: aliceIdentity, theirBaseKey: aliceBase, theirRegistrationID: RegistrationID(rawValue: 2)!)
        #expect(Hex.encode(state.sendingChain.chainKey.key.rawRepresentation.unprotectedBytes) == "ab9be50e5cb22a925446ab90ee5670545f4fd32902459ec274b6ad0ae5d6031a")
        #expect(Hex.encode(state.rootKey.key.rawRepresentation.unprotectedBytes) == "cdbd35392e300db7b28f9e8501eb21b224cd8ca0a009c8339fbe89614035bcb2")
    }

    @Test("chain key steps and message keys match libsignal's test_chain_key_derivation")
    func chainKey() throws {
        let chain = ChainKey(try SymmetricKey256(rawRepresentation: try Hex.decode("8ab72d6f4cc5ac0d387eaf463378ddb28edd07385b1cb01250c715982e7ad48f")), index: 0)
        let (seed, next) = try chain.step()
        let keys = MessageKeys(seed: seed, counter: 0)
        #expect(Hex.encode(keys.cipherKey.unprotectedBytes) == "bf51e9d75e0e31031051f82a2491ffc084fa298b7793bd9db620056febf45217")
        #expect(Hex.encode(next.key.rawRepresentation.unprotectedBytes) == "28e8f8fee54b801eef7c5cfb2f17f32c7b334485bbb70fac6ec10342a246d15d")
        #expect(next.index == 1)
    }

    static let aliceIdentity = "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868"
    static let bobIdentity = "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b"

    @Test("safety numbers match libsignal's fingerprint vectors (versions 1 and 2, both sides)", arguments: [UInt32(1), 2])
    func fingerprint(version: UInt32) throws {
        let alice = IdentityKey(try Self.pub(Self.aliceIdentity)), bob = IdentityKey(try Self.pub(Self.bobIdentity))
        let aliceSide = try Fingerprint(version: version, localStableID: Array("+14152222222".utf8), localIdentity: alice,
                                        remoteStableID: Array("+14153333333".utf8), remoteIdentity: bob)
        let bobSide = try Fingerprint(version: version, localStableID: Array("+14153333333".utf8), localIdentity: bob,
                                      remoteStableID: Array("+14152222222".utf8), remoteIdentity: alice)
        #expect(aliceSide.displayable == "300354477692869396892869876765458257569162576843440918079131")
        #expect(bobSide.displayable == aliceSide.displayable)
        let v1 = "080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d"
        let expected = version == 1 ? v1 : "0802" + v1.dropFirst(4)
        #expect(Hex.encode(aliceSide.scannable) == expected)
        #expect(try aliceSide.matchesScanned(bobSide.scannable))
        #expect(try !aliceSide.matchesScanned(aliceSide.scannable))
    }

    @Test("scannable encoding check: version 2, local 0x12×32, remote 0xBA×32")
    func scannableEncoding() throws {
        var writer = ProtobufWriter()
        writer.appendUInt(field: 1, 2)
        writer.appendBytes(field: 2, Fingerprint.logical([UInt8](repeating: 0x12, count: 32)))
        writer.appendBytes(field: 3, Fingerprint.logical([UInt8](repeating: 0xBA, count: 32)))
        #expect(Hex.encode(writer.bytes) == "080212220a20" + String(repeating: "12", count: 32) + "1a220a20" + String(repeating: "ba", count: 32))
    }
}
