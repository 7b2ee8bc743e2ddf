@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// Record decoding refuses every structurally inconsistent record with a typed error, so that nothing
/// loaded from a store can later trap or loop (SPEC.md §5.7).
@Suite("Inconsistent records are refused when decoded")
struct RecordConsistencyTests {
    /// A protobuf message as its fields, for editing records byte by byte.
    struct Fields {
        var items: [(number: Int, value: ProtobufReader.Value)] = []

        init(_ bytes: ArraySlice<UInt8>) throws {
            var reader = ProtobufReader(bytes)
            while let field = try reader.next() { items.append((field.number, field.value)) }
        }

        var bytes: [UInt8] {
            var writer = ProtobufWriter()
            for (number, value) in items {
                switch value {
                case .varint(let v): writer.appendUInt(field: number, v)
                case .bytes(let b): writer.appendBytes(field: number, b)
                case .fixed64(let v): writer.appendFixed64(field: number, v)
                case .fixed32: fatalError("records use no fixed32 fields")
                }
            }
            return writer.bytes
        }

        /// The `occurrence`-th field `number`, as a nested message.
        func message(_ number: Int, _ occurrence: Int = 0) throws -> Fields {
            guard case .bytes(let b) = items.filter({ $0.number == number })[occurrence].value else { throw RecordError(.corruptRecord, "not bytes") }
            return try Fields(b)
        }

        mutating func replace(_ number: Int, _ occurrence: Int = 0, with nested: Fields) {
            let index = items.indices.filter { items[$0].number == number }[occurrence]
            items[index].value = .bytes(nested.bytes[...])
        }

        mutating func remove(_ number: Int) { items.removeAll { $0.number == number } }

        mutating func duplicate(_ number: Int) {
            let first = items.first { $0.number == number }!
            items.append(first)
        }
    }

    /// Edits the first nested message `field` of a record (a session's current state, field 1; a sender
    /// key record's first state, field 3).
    func editNested(_ serialized: [UInt8], field: Int, _ edit: (inout Fields) throws -> Void) throws -> [UInt8] {
        var outer = try Fields(serialized[1...])
        var nested = try outer.message(field)
        try edit(&nested)
        outer.replace(field, with: nested)
        return [serialized[0]] + outer.bytes
    }

    func editCurrent(_ record: SessionRecord, _ edit: (inout Fields) throws -> Void) throws -> [UInt8] {
        try editNested(record.serialized, field: 1, edit)
    }

    func editSenderKeyState(_ record: SenderKeyRecord, _ edit: (inout Fields) throws -> Void) throws -> [UInt8] {
        try editNested(record.serialized, field: 3, edit)
    }

    /// `decode` must refuse `bytes` as `corruptRecord`.
    func expectCorrupt(_ bytes: [UInt8], _ what: Comment,
                       decode: ([UInt8]) throws(RecordError) -> Void = { (bytes: [UInt8]) throws(RecordError) in _ = try SessionRecord(serialized: bytes) }) {
        do {
            try decode(bytes)
            Issue.record("decoded \(what)")
        } catch {
            #expect(error.code == .corruptRecord, what)
        }
    }

    func expectCorruptSenderKey(_ bytes: [UInt8], _ what: Comment) {
        expectCorrupt(bytes, what) { (bytes: [UInt8]) throws(RecordError) in _ = try SenderKeyRecord(serialized: bytes) }
    }

    /// Alice's record right after processing Bob's bundle: its state has a pending prekey.
    func initiatorRecord(kem: Bool, seed: UInt64) async throws -> SessionRecord {
        let alice = Device("alice", seed: seed), bob = Device("bob", seed: seed + 1000)
        try await alice.cipher(for: bob).process(try await bob.bundle(kemID: kem ? 9 : nil))
        return try #require(await alice.record(for: bob))
    }

    @Test("a v4 pending prekey without its KEM fields is refused")
    func v4PendingWithoutKEM() async throws {
        let record = try await initiatorRecord(kem: true, seed: 330)
        #expect(try SessionRecord(serialized: record.serialized).current?.hasPendingPreKey == true)
        expectCorrupt(try editCurrent(record) { state in
            var pending = try state.message(8)
            pending.remove(3)
            pending.remove(4)
            state.replace(8, with: pending)
        }, "a v4 state whose pending prekey has no KEM prekey")
    }

    @Test("a v3 pending prekey with KEM fields is refused")
    func v3PendingWithKEM() async throws {
        let record = try await initiatorRecord(kem: false, seed: 331)
        let v4 = try await initiatorRecord(kem: true, seed: 332)
        let kemFields = try Fields(v4.serialized[1...]).message(1).message(8).items.filter { $0.number == 3 || $0.number == 4 }
        expectCorrupt(try editCurrent(record) { state in
            var pending = try state.message(8)
            pending.items += kemFields
            state.replace(8, with: pending)
        }, "a v3 state whose pending prekey names a KEM prekey")
    }

    @Test("a repeated singular field is refused", arguments: [1, 2, 3, 4, 5, 6, 8, 9, 10, 11])
    func repeatedStateField(number: Int) async throws {
        let (alice, bob) = try await establishedPair(seed: 333)
        _ = try await bob.receive(try await alice.send("a", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("b", to: alice), from: bob)
        let record = try #require(await alice.record(for: bob))
        var fields = try Fields(record.serialized[1...]).message(1)
        if !fields.items.contains(where: { $0.number == number }) {
            fields.items.append((number, number == 8 ? .bytes([0x10, 0x01]) : .varint(1)))
        }
        expectCorrupt(try editCurrent(record) { state in
            state = fields
            state.duplicate(number)
        }, "a state with field \(number) twice")
    }

    /// Bob's record after Alice's messages 0 and 2 (1 skipped) of one chain.
    func recordWithSkippedKey(seed: UInt64) async throws -> SessionRecord {
        let (alice, bob) = try await establishedPair(seed: seed)
        _ = try await bob.receive(try await alice.send("0", to: bob), from: alice)
        _ = try await alice.send("1", to: bob)
        _ = try await bob.receive(try await alice.send("2", to: bob), from: alice)
        return try #require(await bob.record(for: alice))
    }

    @Test("repeated skipped-key fields in one chain are refused")
    func repeatedSkippedKeys() async throws {
        let record = try await recordWithSkippedKey(seed: 334)
        expectCorrupt(try editCurrent(record) { state in
            var chain = try state.message(7)
            #expect(chain.items.contains { $0.number == 4 })
            chain.duplicate(4)
            state.replace(7, with: chain)
        }, "a receiving chain with two skipped-key fields")
    }

    @Test("a skipped key at or past its chain's index is refused")
    func skippedKeyAhead() async throws {
        let record = try await recordWithSkippedKey(seed: 335)
        expectCorrupt(try editCurrent(record) { state in
            var chain = try state.message(7)
            guard case .bytes(let packed) = chain.items.first(where: { $0.number == 4 })!.value else { return }
            var entry = Array(packed)
            entry[0...3] = [0xF0, 0xFF, 0xFF, 0x00]   // counter 0xFFFFF0, far past the chain's index 3
            chain.remove(4)
            chain.items.append((4, .bytes(entry[...])))
            state.replace(7, with: chain)
        }, "a skipped key for a message the chain has not reached")
    }

    @Test("two receiving chains on one ratchet key are refused")
    func duplicateReceivingChain() async throws {
        let record = try await recordWithSkippedKey(seed: 336)
        expectCorrupt(try editCurrent(record) { state in state.duplicate(7) }, "a state with the same receiving chain twice")
    }

    @Test("eviction from a sparse skipped-key store is bounded by the keys it holds, not by counter gaps")
    func sparseEviction() throws {
        let limit = SessionLimits.chain.maxSkippedKeys
        var packed: [UInt8] = []
        func entry(_ counter: UInt32) {
            withUnsafeBytes(of: counter.littleEndian) { packed.append(contentsOf: $0) }
            packed.append(contentsOf: [UInt8](repeating: UInt8(truncatingIfNeeded: counter), count: 32))
        }
        entry(0)
        for counter in UInt32(3_000_000_000)..<(3_000_000_000 + UInt32(limit) - 1) { entry(counter) }
        var keys = try SkippedMessageKeys(packed: packed[...], limit: limit, below: UInt32.max, in: "test")
        #expect(keys.count == limit)
        keys.remove(0)
        let next = 3_000_000_000 + UInt32(limit) - 1
        keys.insert(SymmetricKey256(exactly: SecretBytes([UInt8](repeating: 1, count: 32))), for: next)
        keys.insert(SymmetricKey256(exactly: SecretBytes([UInt8](repeating: 2, count: 32))), for: next + 1)
        #expect(keys.count == limit)
        #expect(keys.seed(for: 3_000_000_000) == nil, "the oldest key is evicted first")
        #expect(keys.seed(for: 3_000_000_001) != nil)
        #expect(keys.seed(for: next + 1) != nil)
    }

    // MARK: Sender key records

    func senderKeyRecord(seed: UInt64) async throws -> SenderKeyRecord {
        let (alice, bob) = try await establishedPair(seed: seed)
        let groupID = [UInt8](repeating: 3, count: 16)
        let sender = GroupCipher(store: alice.store, localAddress: alice.address, entropy: alice.entropy)
        let receiver = GroupCipher(store: bob.store, localAddress: bob.address, entropy: bob.entropy)
        try await receiver.process(try await sender.distributionMessage(for: groupID).serialized, from: alice.address, groupID: groupID)
        _ = try await sender.encrypt([1], groupID: groupID)
        _ = try await receiver.decrypt(try await sender.encrypt([2], groupID: groupID).serialized, from: alice.address, groupID: groupID)
        return try #require(await bob.store.senderKey(for: SenderKeyName(groupID: groupID, sender: alice.address)))
    }

    @Test("sender key states past the skipped-seed bound, or with a repeated field, are refused")
    func senderKeySkippedBound() async throws {
        let record = try await senderKeyRecord(seed: 337)
        #expect(try SenderKeyRecord(serialized: record.serialized).serialized == record.serialized)
        let limit = GroupLimits.chain.maxSkippedKeys
        // 2000 seeds in one field, one more in a second field: 2001 in all.
        var many: [UInt8] = []
        for counter in 0..<UInt32(limit) {
            withUnsafeBytes(of: counter.littleEndian) { many.append(contentsOf: $0) }
            many.append(contentsOf: [UInt8](repeating: 9, count: 32))
        }
        expectCorruptSenderKey(try editSenderKeyState(record) { state in
            state.remove(6)
            state.items.append((2, .varint(UInt64(limit) + 10)))
            state.remove(2)
            state.items.append((2, .varint(UInt64(limit) + 10)))
            state.items.append((6, .bytes(many[...])))
            state.items.append((6, .bytes(many[(many.count - 36)...])))
        }, "a sender key state with 2001 skipped seeds over two fields")
        expectCorruptSenderKey(try editSenderKeyState(record) { state in state.duplicate(3) }, "a sender key state with two chain keys")
        expectCorruptSenderKey(try editSenderKeyState(record) { state in
            state.remove(2)
            state.items.append((2, .varint(0)))   // iteration 0, yet a skipped seed for message 0 is kept
        }, "a sender key state whose skipped seed is not behind its iteration")
    }

    @Test("a sender key record with two states of one chain id is refused")
    func senderKeyDuplicateChain() async throws {
        let record = try await senderKeyRecord(seed: 338)
        var outer = try Fields(record.serialized[1...])
        outer.duplicate(3)
        expectCorruptSenderKey([SenderKeyRecord.formatVersion] + outer.bytes, "two states with the same chain id")
    }
}
