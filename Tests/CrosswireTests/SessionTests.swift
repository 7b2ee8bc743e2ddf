@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
@testable import Crosswire

@Suite("1:1 sessions")
struct SessionTests {
    @Test("a conversation flows both ways; PreKey messages until the first reply, then SignalMessages")
    func backAndForth() async throws {
        let (alice, bob) = try await establishedPair()
        let first = try await alice.send("hello", to: bob)
        let second = try await alice.send("again", to: bob)
        #expect(first.kind == .preKey && second.kind == .preKey)
        #expect(try await bob.receive(first, from: alice) == "hello")
        #expect(try await bob.receive(second, from: alice) == "again")
        let reply = try await bob.send("hi alice", to: alice)
        #expect(reply.kind == .signal)
        #expect(try await alice.receive(reply, from: bob) == "hi alice")
        let third = try await alice.send("now plain", to: bob)
        #expect(third.kind == .signal)
        #expect(try await bob.receive(third, from: alice) == "now plain")
        for round in 0..<5 {
            #expect(try await bob.receive(try await alice.send("a\(round)", to: bob), from: alice) == "a\(round)")
            #expect(try await alice.receive(try await bob.send("b\(round)", to: alice), from: bob) == "b\(round)")
        }
    }

    @Test("a copy of a record (a store's rollback copy) is unchanged by encrypting and decrypting on the other")
    func copiesStayApart() async throws {
        let (alice, bob) = try await establishedPair()
        _ = try await bob.receive(try await alice.send("hello", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("hi", to: alice), from: bob)
        var sender = try #require(await alice.record(for: bob)), receiver = try #require(await bob.record(for: alice))
        let senderCopy = sender, receiverCopy = receiver
        let (senderBytes, receiverBytes) = (sender.serialized, receiver.serialized)
        for _ in 0..<3 {
            guard case .signal(let message) = try sender.encrypt(Array("x".utf8)) else { Issue.record("expected a SignalMessage"); return }
            #expect(try receiver.decrypt(message) == Array("x".utf8))
        }
        #expect(senderCopy.serialized == senderBytes && receiverCopy.serialized == receiverBytes)
        #expect(sender.serialized != senderBytes && receiver.serialized != receiverBytes)
    }

    @Test("the session works without a one-time prekey")
    func noOneTimePreKey() async throws {
        let (alice, bob) = try await establishedPair(oneTimePreKey: false)
        let message = try await alice.send("no otpk", to: bob)
        guard case .preKey(let preKey) = message else { Issue.record("expected a PreKey message"); return }
        #expect(preKey.preKeyID == nil)
        #expect(try await bob.receive(message, from: alice) == "no otpk")
        #expect(try await alice.receive(try await bob.send("ok", to: alice), from: bob) == "ok")
    }

    @Test("out-of-order delivery within and across ratchet steps")
    func outOfOrder() async throws {
        let (alice, bob) = try await establishedPair(seed: 3)
        _ = try await bob.receive(try await alice.send("start", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("ack", to: alice), from: bob)
        var batch1: [CiphertextMessage] = []
        for i in 0..<10 { batch1.append(try await alice.send("one-\(i)", to: bob)) }
        #expect(try await bob.receive(batch1[9], from: alice) == "one-9")
        _ = try await alice.receive(try await bob.send("turn", to: alice), from: bob)
        var batch2: [CiphertextMessage] = []
        for i in 0..<5 { batch2.append(try await alice.send("two-\(i)", to: bob)) }
        for i in [4, 0, 2] { #expect(try await bob.receive(batch2[i], from: alice) == "two-\(i)") }
        for i in [3, 0, 8, 1, 2, 4, 5, 6, 7] { #expect(try await bob.receive(batch1[i], from: alice) == "one-\(i)") }
        for i in [1, 3] { #expect(try await bob.receive(batch2[i], from: alice) == "two-\(i)") }
        // previous_counter tells how long Alice's last chain was.
        if case .signal(let message) = batch2[0] { #expect(message.previousCounter == 9) }
    }

    @Test("a repeated PreKey message (same base key) continues the same session")
    func repeatedPreKeyMessages() async throws {
        let (alice, bob) = try await establishedPair(seed: 5)
        let m1 = try await alice.send("m1", to: bob), m2 = try await alice.send("m2", to: bob)
        #expect(try await bob.receive(m2, from: alice) == "m2")
        #expect(try await bob.receive(m1, from: alice) == "m1")
        let record = try #require(await bob.record(for: alice))
        #expect(record.archived.isEmpty)
        #expect(await bob.store.preKeyCount == 0)
    }

    @Test("simultaneous initiation converges after each side hears from the other")
    func simultaneousInitiation() async throws {
        let alice = Device("alice", seed: 7), bob = Device("bob", seed: 8)
        let aliceBundle = try await alice.bundle(preKeyID: 10), bobBundle = try await bob.bundle(preKeyID: 20)
        try await alice.cipher(for: bob).process(bobBundle)
        try await bob.cipher(for: alice).process(aliceBundle)
        let fromAlice = try await alice.send("hi from alice", to: bob)
        let fromBob = try await bob.send("hi from bob", to: alice)
        #expect(try await bob.receive(fromAlice, from: alice) == "hi from alice")
        #expect(try await alice.receive(fromBob, from: bob) == "hi from bob")
        var converged = false
        for round in 0..<4 {
            let a = try await alice.send("a\(round)", to: bob)
            #expect(try await bob.receive(a, from: alice) == "a\(round)")
            let b = try await bob.send("b\(round)", to: alice)
            #expect(try await alice.receive(b, from: bob) == "b\(round)")
            if a.kind == .signal, b.kind == .signal {
                let aliceBase = await alice.record(for: bob)?.current?.baseKey
                let bobBase = await bob.record(for: alice)?.current?.baseKey
                converged = aliceBase == bobBase
                if converged { break }
            }
        }
        #expect(converged)
    }

    @Test("a one-time prekey is consumed by the first successful decrypt, not before")
    func preKeyConsumption() async throws {
        let (alice, bob) = try await establishedPair(seed: 9)
        let message = try await alice.send("x", to: bob)
        var tampered = message.serialized
        tampered[tampered.count - 1] ^= 1
        await #expect(throws: SessionError.self) { try await bob.cipher(for: alice).decrypt(tampered, kind: .preKey) }
        #expect(await bob.store.preKeyCount == 1)
        #expect(try await bob.receive(message, from: alice) == "x")
        #expect(await bob.store.preKeyCount == 0)
        // Another device using the same (now consumed) one-time prekey is refused.
        let signed = try #require(await bob.store.signedPreKey(id: SignedPreKeyID(1)))
        let stale = try PreKeyBundle(
            registrationID: bob.registrationID, deviceID: bob.deviceID, identityKey: bob.identity.identityKey,
            signedPreKeyID: signed.id, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
            preKeyID: PreKeyID(100), preKey: ECKeyPair.generate().publicKey)
        let carol = Device("carol", seed: 99)
        try await carol.cipher(for: bob).process(stale)
        await #expect(throws: SessionError(.unknownPreKey, "")) { try await bob.receive(try await carol.send("y", to: bob), from: carol) }
    }

    @Test("a changed identity is refused when processing a bundle and when receiving")
    func identityChange() async throws {
        let (alice, bob) = try await establishedPair(seed: 11)
        _ = try await bob.receive(try await alice.send("hi", to: bob), from: alice)
        let newBob = Device("bob", seed: 12)
        await #expect(throws: SessionError(.untrustedIdentity, "")) {
            try await alice.cipher(for: newBob).process(try await newBob.bundle())
        }
        let newAlice = Device("alice", seed: 13)
        try await newAlice.cipher(for: bob).process(try await bob.bundle(signedID: 2, preKeyID: 200))
        let forged = try await newAlice.send("it's me", to: bob)
        await #expect(throws: SessionError(.untrustedIdentity, "")) { try await bob.receive(forged, from: newAlice) }
    }

    @Test("a record survives serialization mid-conversation, skipped keys included")
    func recordRoundTrip() async throws {
        let (alice, bob) = try await establishedPair(seed: 15)
        _ = try await bob.receive(try await alice.send("a", to: bob), from: alice)
        var pending: [CiphertextMessage] = []
        for i in 0..<3 { pending.append(try await bob.send("b\(i)", to: alice)) }
        #expect(try await alice.receive(pending[2], from: bob) == "b2")
        let record = try #require(await alice.record(for: bob))
        let bytes = record.serialized
        let restored = try SessionRecord(serialized: bytes)
        #expect(restored.serialized == bytes)
        await alice.store.storeSession(restored, for: bob.address)
        #expect(try await alice.receive(pending[0], from: bob) == "b0")
        #expect(try await alice.receive(pending[1], from: bob) == "b1")
        #expect(try await bob.receive(try await alice.send("after restore", to: bob), from: alice) == "after restore")
    }

    @Test("record size right after setup is compact")
    func recordSize() async throws {
        let (alice, bob) = try await establishedPair(seed: 17)
        let aliceSize = try #require(await alice.record(for: bob)).serialized.count
        _ = try await bob.receive(try await alice.send("a", to: bob), from: alice)
        let bobSize = try #require(await bob.record(for: alice)).serialized.count
        #expect(aliceSize <= 350)
        #expect(bobSize <= 350)
    }

    @Test("a record keeps the sending ratchet public key, and a record without it (older format) derives the same key")
    func storedRatchetPublicKey() async throws {
        let (alice, bob) = try await establishedPair(seed: 18)
        let record = try #require(await alice.record(for: bob))
        let current = try #require(record.current)
        let parsed = try SessionRecord(serialized: record.serialized)
        #expect(parsed.current?.sendingChain.ratchetKeyPair.publicKey == current.sendingChain.ratchetKeyPair.publicKey)
        // The older format: drop field 4 from the sending chain (field 6 of the state, field 1 of the record).
        var old = try stripSendingPublicKey(record.serialized)
        defer { SecretBytes.wipe(&old) }
        #expect(old.count == record.serialized.count - 34)
        let legacy = try SessionRecord(serialized: old)
        #expect(legacy.current?.sendingChain.ratchetKeyPair.publicKey == current.sendingChain.ratchetKeyPair.publicKey)
        // Both restored forms are the same state: they encrypt the same bytes, which Bob reads.
        var fromParsed = parsed, fromLegacy = legacy
        let first = try fromParsed.encrypt(Array("one".utf8))
        #expect(try fromLegacy.encrypt(Array("one".utf8)).serialized == first.serialized)
        #expect(try await bob.receive(first, from: alice) == "one")
    }

    /// The record with field 6.4 removed from its current state, rebuilt with the codec.
    private func stripSendingPublicKey(_ record: [UInt8]) throws -> [UInt8] {
        func rewrite(_ bytes: ArraySlice<UInt8>, keep: (Int) -> Bool, nested: [Int: (ArraySlice<UInt8>) throws -> [UInt8]]) throws -> [UInt8] {
            var writer = ProtobufWriter(reservingCapacity: bytes.count)
            var reader = ProtobufReader(bytes)
            while let field = try reader.next() {
                guard keep(field.number) else { continue }
                switch field.value {
                case .varint(let v): writer.appendUInt(field: field.number, v)
                case .fixed64(let v): writer.appendFixed64(field: field.number, v)
                default:
                    let inner = try field.value.slice(field: field.number)
                    writer.appendBytes(field: field.number, try nested[field.number].map { try $0(inner) } ?? Array(inner))
                }
            }
            return writer.bytes
        }
        let sending = { (b: ArraySlice<UInt8>) in try rewrite(b, keep: { $0 != 4 }, nested: [:]) }
        let state = { (b: ArraySlice<UInt8>) in try rewrite(b, keep: { _ in true }, nested: [6: sending]) }
        return [record[0]] + (try rewrite(record.dropFirst(), keep: { _ in true }, nested: [1: state]))
    }

    @Test("corrupt records are refused with corruptRecord", arguments: [
        [] as [UInt8], [0x01, 0x0a, 0x05, 0x08], [0x01, 0x0a, 0x02, 0x08, 0x09],
    ])
    func corruptRecords(bytes: [UInt8]) {
        #expect(throws: RecordError(.corruptRecord, "")) { try SessionRecord(serialized: bytes) }
    }

    @Test("a record format this build does not know is unknownFormat, not corruptRecord")
    func unknownRecordFormat() {
        #expect(throws: RecordError(.unknownFormat, "")) { try SessionRecord(serialized: [0x02]) }
        #expect(throws: RecordError(.unknownFormat, "")) { try SenderKeyRecord(serialized: [0x02, 0x08, 0x00]) }
    }

    @Test("descriptions of records and keys never contain key bytes")
    func noSecretsInDescriptions() async throws {
        let (alice, bob) = try await establishedPair(seed: 19)
        let record = try #require(await alice.record(for: bob))
        let state = try #require(record.current)
        let rootHex = Hex.encode(state.rootKey.key.rawRepresentation.unprotectedBytes)
        let chainHex = Hex.encode(state.sendingChain.chainKey.key.rawRepresentation.unprotectedBytes)
        let privateHex = Hex.encode(state.sendingChain.ratchetKeyPair.privateKey.rawRepresentation.unprotectedBytes)
        var dumped = ""
        dump(record, to: &dumped)
        for text in [String(describing: record), String(reflecting: record), dumped, String(describing: alice.identity)] {
            #expect(!text.contains(rootHex) && !text.contains(chainHex) && !text.contains(privateHex))
            #expect(!text.contains(Hex.encode(alice.identity.privateKey.rawRepresentation.unprotectedBytes)))
        }
    }
}
