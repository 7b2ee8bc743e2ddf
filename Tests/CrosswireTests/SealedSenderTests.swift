@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

@Suite("Sealed sender v1")
struct SealedSenderTests {
    @Test("AES-256-CTR from the zero IV matches Python cryptography's AES-CTR")
    func ctrKnownAnswer() throws {
        // Key 00…1f, plaintext 00…31, IV zero: computed with Python `cryptography` (not Crosswire).
        let key = SecretBytes(Array(0..<32))
        let output = try AES256CTR.apply(Array(0..<50) as [UInt8], key: key)
        #expect(Hex.encode(output) == "f29102b52e4c99d7a1fa9061d123798fe04c64bd5eac89f2beef812a54df28222e9d97fd9109a59a2081831e3401bfb6e272")
        #expect(try AES256CTR.apply(output, key: key) == Array(0..<50))
    }

    @Test("libsignal's known test server certificate and a sender certificate naming it by id validate")
    func knownServerCertificate() throws {
        let trustRoot = try ECPrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 32))
        let test = try #require(ServerCertificate.known[0x7357C357])
        #expect(test.validate(trustRoot: trustRoot.publicKey))
        #expect(test.key == (try ECPrivateKey(rawRepresentation: [UInt8](repeating: 0xff, count: 32))).publicKey)
        var outer = ProtobufWriter()
        outer.appendBytes(field: 1, try Hex.decode("100119697a000000000000222105d75b13e15c7700079dd226f51e5a790ba395e819e88a74d0cf5cedfad8b4334840d786df9a07322461616161616161612d373030302d313165622d623332612d333362386138613438376136"))
        outer.appendBytes(field: 2, try Hex.decode("e62667bce627caed56ca2ab309b6ae7bc890a30a7482c0e1fd77ec9c3b7528abfd45c8c42b240509a71d973ef5e0f1dbd2685fe01410f0fdbaa8fb247a67e08f"))
        let certificate = try SenderCertificate(serialized: outer.bytes)
        #expect(certificate.senderUUID == "aaaaaaaa-7000-11eb-b32a-33b8a8a487a6" && certificate.senderE164 == nil)
        #expect(certificate.senderDevice == DeviceID(1) && certificate.expiration == 31337 && certificate.signer.keyID == 0x7357C357)
        try certificate.validate(trustRoot: trustRoot.publicKey, at: 31336)
        #expect(throws: SealedSenderError(.expiredCertificate, "")) { try certificate.validate(trustRoot: trustRoot.publicKey, at: 31338) }
        #expect(throws: SealedSenderError(.invalidCertificate, "")) { try certificate.validate(trustRoot: ECKeyPair.generate().publicKey, at: 0) }
        // Signal's production and staging certificates are in the table too, signed by their roots.
        #expect(ServerCertificate.known.keys.sorted() == [2, 3, 0x7357C357])
    }

    struct CA {
        let root = ECKeyPair.generate()
        let server = ECKeyPair.generate()
        var serverCertificate: ServerCertificate { ServerCertificate(keyID: 7, key: server.publicKey, trustRoot: root.privateKey) }
        func certificate(for device: Device, name: String, expires: UInt64 = 1000) -> SenderCertificate {
            SenderCertificate(senderUUID: name, senderDevice: device.deviceID, expiration: expires, identityKey: device.identity.identityKey,
                              signer: serverCertificate, serverKey: server.privateKey)
        }
    }

    @Test("a sealed conversation over a session; the certificate names the sender; refusals change nothing")
    func conversation() async throws {
        let (alice, bob) = try await establishedPair(seed: 71)
        let ca = CA()
        let aliceCertificate = ca.certificate(for: alice, name: "alice")
        let sealed = try await SealedSessionCipher(store: alice.store).encrypt(Array("sealed hello".utf8), to: bob.address, certificate: aliceCertificate)
        #expect(sealed.first == 0x11)
        let bobCipher = SealedSessionCipher(store: bob.store)
        func decrypt(_ bytes: [UInt8], root: ECPublicKey? = nil, at time: UInt64 = 500) async throws -> SealedMessage {
            try await bobCipher.decrypt(bytes, trustRoot: root ?? ca.root.publicKey, timestamp: time, localUUID: "bob", localDevice: bob.deviceID)
        }
        let before = await bob.store.snapshot()
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        var staticTampered = sealed
        staticTampered[40] ^= 1
        for (bytes, root, time, code) in [(tampered, nil, UInt64(500), SealedSenderError.Code.invalidMAC),
                                          (staticTampered, nil, 500, .invalidMAC),
                                          (sealed, ECKeyPair.generate().publicKey, 500, .invalidCertificate),
                                          (sealed, nil, 1001, .expiredCertificate),
                                          (Array(sealed.dropLast(20)), nil, 500, .invalidMessage),
                                          ([0x22] + sealed.dropFirst(), nil, 500, .unsupportedVersion)] as [([UInt8], ECPublicKey?, UInt64, SealedSenderError.Code)] {
            await #expect(throws: SealedSenderError(code, "")) { try await decrypt(bytes, root: root, at: time) }
            #expect(await bob.store.snapshot() == before, "\(code) changed the store")
        }
        let opened = try await decrypt(sealed)
        #expect(opened.senderUUID == "alice" && opened.senderDevice == alice.deviceID && opened.plaintext == Array("sealed hello".utf8))
        // A certificate for another identity than the one that sealed: identityMismatch.
        let forged = ca.certificate(for: Device("mallory", seed: 9), name: "alice")
        let wrong = try await SealedSessionCipher(store: alice.store).encrypt([1], to: bob.address, certificate: forged)
        let beforeForged = await bob.store.snapshot()
        await #expect(throws: SealedSenderError(.identityMismatch, "")) { try await decrypt(wrong) }
        #expect(await bob.store.snapshot() == beforeForged)
        // Bob's reply, sealed the other way; a message sealed by Bob to himself is a self-send.
        let reply = try await SealedSessionCipher(store: bob.store).encrypt(Array("back".utf8), to: alice.address, certificate: ca.certificate(for: bob, name: "bob"))
        let back = try await SealedSessionCipher(store: alice.store).decrypt(reply, trustRoot: ca.root.publicKey, timestamp: 1, localUUID: "alice",
                                                                          localDevice: alice.deviceID)
        #expect(back.plaintext == Array("back".utf8) && back.senderUUID == "bob")
        await #expect(throws: SealedSenderError(.selfSend, "")) {
            try await SealedSessionCipher(store: alice.store).decrypt(reply, trustRoot: ca.root.publicKey, timestamp: 1, localUUID: "bob",
                                                                    localDevice: bob.deviceID)
        }
    }

    @Test("a revoked server certificate id is refused whatever its signature")
    func revoked() {
        let root = ECKeyPair.generate()
        let revoked = ServerCertificate(keyID: 0xDEADC357, key: ECKeyPair.generate().publicKey, trustRoot: root.privateKey)
        #expect(!revoked.validate(trustRoot: root.publicKey))
        #expect(ServerCertificate(keyID: 5, key: ECKeyPair.generate().publicKey, trustRoot: root.privateKey).validate(trustRoot: root.publicKey))
    }
}
