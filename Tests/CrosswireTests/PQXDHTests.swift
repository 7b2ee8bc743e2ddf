@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

@Suite("PQXDH (v4)")
struct PQXDHTests {
    func v4Pair(seed: UInt64, lastResort: Bool = false, oneTime: Bool = true) async throws -> (Device, Device) {
        let alice = Device("alice", seed: seed), bob = Device("bob", seed: seed + 500)
        try await alice.cipher(for: bob).process(try await bob.bundle(preKeyID: oneTime ? 100 : nil, kemID: 7, lastResort: lastResort))
        return (alice, bob)
    }

    @Test("a bundle with a KEM prekey gives a v4 session: 0x44 messages with fields 7 and 8, both ways")
    func conversation() async throws {
        let (alice, bob) = try await v4Pair(seed: 60)
        let first = try await alice.send("post-quantum hello", to: bob)
        guard case .preKey(let message) = first else { Issue.record("expected type 3"); return }
        #expect(message.serialized[0] == 0x44 && message.message.serialized[0] == 0x44)
        #expect(message.kemPreKeyID == 7)
        #expect(message.kemCiphertext?.count == 1569 && message.kemCiphertext?[0] == 0x0A)
        let second = try await alice.send("second", to: bob)
        #expect(try await bob.receive(second, from: alice) == "second")
        #expect(try await bob.receive(first, from: alice) == "post-quantum hello")
        #expect(await bob.store.kemPreKeyCount == 0)  // one-time KEM prekey consumed
        let reply = try await bob.send("reply", to: alice)
        #expect(reply.kind == .signal && reply.serialized[0] == 0x44)
        #expect(try await alice.receive(reply, from: bob) == "reply")
        for i in 0..<3 {
            #expect(try await bob.receive(try await alice.send("a\(i)", to: bob), from: alice) == "a\(i)")
            #expect(try await alice.receive(try await bob.send("b\(i)", to: alice), from: bob) == "b\(i)")
        }
        let record = try #require(await alice.record(for: bob))
        #expect(record.current?.sessionVersion == .v4)
        #expect(try SessionRecord(serialized: record.serialized).serialized == record.serialized)
    }

    @Test("PQXDH differs from X3DH: the same keys without the KEM secret give another session")
    func kemSecretMatters() async throws {
        let (alice, bob) = try await v4Pair(seed: 61)
        guard case .preKey(let message) = try await alice.send("x", to: bob) else { Issue.record("expected type 3"); return }
        // Strip fields 7 and 8 and relabel as v3: the X3DH keys alone cannot verify the MAC.
        var inner = message.message.serialized
        inner[0] = 0x33
        let parsedInner = try SignalMessage(serialized: inner)
        let downgraded = PreKeySignalMessage(version: .v3, registrationID: message.registrationID, preKeyID: message.preKeyID,
                                             signedPreKeyID: message.signedPreKeyID, baseKey: message.baseKey,
                                             identityKey: message.identityKey, message: parsedInner)
        let before = await bob.store.snapshot()
        await #expect(throws: SessionError(.invalidMAC, "")) { try await bob.cipher(for: alice).decrypt(downgraded) }
        #expect(await bob.store.snapshot() == before)
    }

    @Test("policy: an initiator that requires PQ refuses a bundle without a KEM prekey")
    func initiatorDowngrade() async throws {
        let alice = Device("alice", seed: 62), bob = Device("bob", seed: 63)
        let before = await alice.store.snapshot()
        await #expect(throws: SessionError(.postQuantumRequired, "")) {
            try await alice.cipher(for: bob, requirePostQuantum: true).process(try await bob.bundle())
        }
        #expect(await alice.store.snapshot() == before)
        try await alice.cipher(for: bob, requirePostQuantum: true).process(try await bob.bundle(signedID: 2, preKeyID: 101, kemID: 9))
        #expect(await alice.record(for: bob)?.current?.sessionVersion == .v4)
    }

    @Test("policy: a responder that requires PQ refuses new v3 sessions, state unchanged")
    func responderDowngrade() async throws {
        let (alice, bob) = try await establishedPair(seed: 64)
        let message = try await alice.send("v3", to: bob)
        let before = await bob.store.snapshot()
        await #expect(throws: SessionError(.postQuantumRequired, "")) {
            try await bob.cipher(for: alice, requirePostQuantum: true).decrypt(message.serialized, kind: .preKey)
        }
        #expect(await bob.store.snapshot() == before)
    }

    @Test("a v4 message in a v3 session and a v3 message in a v4 session are refused")
    func mixedVersions() async throws {
        let (alice3, bob3) = try await establishedPair(seed: 65)
        _ = try await bob3.receive(try await alice3.send("a", to: bob3), from: alice3)
        let (alice4, bob4) = try await v4Pair(seed: 66)
        _ = try await bob4.receive(try await alice4.send("a", to: bob4), from: alice4)
        guard case .signal(let v3) = try await bob3.send("v3 reply", to: alice3),
              case .signal(let v4) = try await bob4.send("v4 reply", to: alice4) else { Issue.record("expected type 2"); return }
        var relabelled = v3.serialized
        relabelled[0] = 0x44
        let before = await alice3.store.snapshot()
        await #expect(throws: SessionError(.versionMismatch, "")) { try await alice3.cipher(for: bob3).decrypt(relabelled, kind: .signal) }
        #expect(await alice3.store.snapshot() == before)
        var down = v4.serialized
        down[0] = 0x33
        let before4 = await alice4.store.snapshot()
        await #expect(throws: SessionError(.versionMismatch, "")) { try await alice4.cipher(for: bob4).decrypt(down, kind: .signal) }
        #expect(await alice4.store.snapshot() == before4)
    }

    @Test("a last-resort KEM prekey survives use, but a replayed (KEM id, signed id, base key) triple is refused")
    func lastResortReplay() async throws {
        let (alice, bob) = try await v4Pair(seed: 67, lastResort: true, oneTime: false)
        let first = try await alice.send("first", to: bob)
        #expect(try await bob.receive(first, from: alice) == "first")
        #expect(await bob.store.kemPreKeyCount == 1)
        // The session is lost on Bob's side (e.g. reinstall from backup); the same PreKey message replayed
        // would rebuild it: refused.
        await bob.store.storeSession(SessionRecord(), for: alice.address)
        let before = await bob.store.snapshot()
        await #expect(throws: SessionError(.kemPreKeyReused, "")) { try await bob.receive(first, from: alice) }
        #expect(await bob.store.snapshot() == before)
        // A fresh session from another initiator may use the same last-resort key.
        let carol = Device("carol", seed: 68)
        let signed = try #require(await bob.store.signedPreKey(id: SignedPreKeyID(1)))
        let kem = try #require(await bob.store.kemPreKey(id: KEMPreKeyID(7)))
        let bundle = try PreKeyBundle(registrationID: bob.registrationID, deviceID: bob.deviceID, identityKey: bob.identity.identityKey,
                                      signedPreKeyID: signed.id, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
                                      kemPreKeyID: kem.id, kemPreKey: kem.publicKey, kemPreKeySignature: kem.signature)
        try await carol.cipher(for: bob).process(bundle)
        #expect(try await bob.receive(try await carol.send("hi", to: bob), from: carol) == "hi")
    }

    @Test("unknown KEM prekeys, bad KEM signatures and malformed v4 messages fail with typed errors")
    func failures() async throws {
        let (alice, bob) = try await v4Pair(seed: 69)
        guard case .preKey(let message) = try await alice.send("x", to: bob) else { Issue.record("expected type 3"); return }
        let wrongID = PreKeySignalMessage(version: .v4, registrationID: message.registrationID, preKeyID: message.preKeyID,
                                          signedPreKeyID: message.signedPreKeyID, baseKey: message.baseKey, identityKey: message.identityKey,
                                          message: message.message, kemPreKeyID: 99, kemCiphertext: message.kemCiphertext)
        let before = await bob.store.snapshot()
        await #expect(throws: SessionError(.unknownKEMPreKey, "")) { try await bob.cipher(for: alice).decrypt(wrongID) }
        var badCiphertext = message.kemCiphertext!
        badCiphertext[100] ^= 1
        let tampered = PreKeySignalMessage(version: .v4, registrationID: message.registrationID, preKeyID: message.preKeyID,
                                           signedPreKeyID: message.signedPreKeyID, baseKey: message.baseKey, identityKey: message.identityKey,
                                           message: message.message, kemPreKeyID: message.kemPreKeyID, kemCiphertext: badCiphertext)
        await #expect(throws: SessionError(.invalidMAC, "")) { try await bob.cipher(for: alice).decrypt(tampered) }
        #expect(await bob.store.snapshot() == before)
        // v4 without field 8, or with field 8 only: refused by the codec.
        var withoutCiphertext = Array(message.serialized.prefix(message.serialized.count - 1569 - 3))
        #expect(throws: WireFormatError(.missingField, "")) { try PreKeySignalMessage(serialized: withoutCiphertext) }
        withoutCiphertext = Array(message.serialized)
        let kemIDField: [UInt8] = [0x38, 0x07]
        if let range = withoutCiphertext.firstRange(of: kemIDField) { withoutCiphertext.removeSubrange(range) }
        #expect(throws: WireFormatError(.missingField, "")) { try PreKeySignalMessage(serialized: withoutCiphertext) }
        let identity = IdentityKeyPair.generate()
        let kem = KEMPreKey.generate(id: KEMPreKeyID(1), signedBy: identity, timestamp: 0, lastResort: false)
        let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: identity, timestamp: 0)
        #expect(throws: SessionError(.invalidSignature, "")) {
            try PreKeyBundle(registrationID: RegistrationID(rawValue: 1)!, deviceID: DeviceID(1), identityKey: identity.identityKey, signedPreKeyID: signed.id,
                             signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
                             kemPreKeyID: kem.id, kemPreKey: kem.publicKey, kemPreKeySignature: signed.signature)
        }
    }
}
