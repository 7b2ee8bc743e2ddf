@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

@Suite("Sender Keys")
struct GroupTests {
    static let group: [UInt8] = Array(0..<16)

    struct Member {
        let device: Device
        var cipher: GroupCipher<InMemorySignalProtocolStore> {
            GroupCipher(store: device.store, localAddress: device.address, entropy: device.entropy)
        }
        init(_ name: String, seed: UInt64) { device = Device(name, seed: seed) }
    }

    /// A sender and receivers who processed the sender's distribution.
    func group(_ layout: SenderKeyLayout, receivers: Int = 2, seed: UInt64 = 1) async throws -> (Member, [Member]) {
        let sender = Member("sender", seed: seed)
        let distribution = try await sender.cipher.distributionMessage(for: Self.group, layout: layout)
        var members: [Member] = []
        for i in 0..<receivers {
            let member = Member("member\(i)", seed: seed * 100 + UInt64(i))
            try await member.cipher.process(distribution.serialized, from: sender.device.address, groupID: Self.group, layout: layout)
            members.append(member)
        }
        return (sender, members)
    }

    @Test("members decrypt 50 messages in any order; duplicates are refused", arguments: SenderKeyLayout.allCases)
    func outOfOrder(layout: SenderKeyLayout) async throws {
        let (sender, members) = try await group(layout)
        var messages: [SenderKeyMessage] = []
        for i in 0..<50 { messages.append(try await sender.cipher.encrypt(Array("m\(i)".utf8), groupID: Self.group)) }
        var generator = SeededGenerator(seed: 5)
        for member in members {
            for i in (0..<50).shuffled(using: &generator) {
                let plaintext = try await member.cipher.decrypt(messages[i].serialized, from: sender.device.address, groupID: Self.group)
                #expect(plaintext == Array("m\(i)".utf8))
            }
            await #expect(throws: GroupError(.duplicateMessage, "")) {
                try await member.cipher.decrypt(messages[7].serialized, from: sender.device.address, groupID: Self.group)
            }
        }
    }

    @Test("message bytes follow the layout: legacy {id, iteration, ciphertext}, current {uuid, chain id, iteration, ciphertext}")
    func layouts() async throws {
        for layout in SenderKeyLayout.allCases {
            let (sender, _) = try await group(layout, receivers: 0)
            let message = try await sender.cipher.encrypt([1, 2, 3], groupID: Self.group)
            #expect(message.serialized[0] == 0x33)
            #expect(message.serialized[1] == (layout == .legacy ? 0x08 : 0x0a))
            let other: SenderKeyLayout = layout == .legacy ? .distributionUUID : .legacy
            #expect(throws: WireFormatError(.wrongLayout, "")) { try SenderKeyMessage(serialized: message.serialized, layout: other) }
            #expect(try SenderKeyMessage(serialized: message.serialized, layout: layout) == message)
        }
    }

    @Test("a late joiner gets the current iteration: earlier messages fail, later ones decrypt")
    func lateJoiner() async throws {
        let (sender, members) = try await group(.legacy, receivers: 1)
        var early: [SenderKeyMessage] = []
        for i in 0..<10 { early.append(try await sender.cipher.encrypt([UInt8(i)], groupID: Self.group)) }
        let late = Member("late", seed: 77)
        let distribution = try await sender.cipher.distributionMessage(for: Self.group)
        #expect(distribution.iteration == 10)
        try await late.cipher.process(distribution.serialized, from: sender.device.address, groupID: Self.group)
        let next = try await sender.cipher.encrypt([42], groupID: Self.group)
        #expect(try await late.cipher.decrypt(next.serialized, from: sender.device.address, groupID: Self.group) == [42])
        await #expect(throws: GroupError(.duplicateMessage, "")) {
            try await late.cipher.decrypt(early[3].serialized, from: sender.device.address, groupID: Self.group)
        }
        for (i, message) in early.enumerated() {
            #expect(try await members[0].cipher.decrypt(message.serialized, from: sender.device.address, groupID: Self.group) == [UInt8(i)])
        }
    }

    @Test("processing the same distribution twice is idempotent; a new signing key with the same chain id replaces the state")
    func idempotentAndReplace() async throws {
        let (sender, members) = try await group(.legacy, receivers: 1)
        let member = members[0]
        let first = try await sender.cipher.encrypt([1], groupID: Self.group)
        #expect(try await member.cipher.decrypt(first.serialized, from: sender.device.address, groupID: Self.group) == [1])
        let again = try await sender.cipher.distributionMessage(for: Self.group)
        try await member.cipher.process(again.serialized, from: sender.device.address, groupID: Self.group)
        let record = try #require(await member.device.store.senderKey(for: SenderKeyName(groupID: Self.group, sender: sender.device.address)))
        #expect(record.states.count == 1)
        #expect(record.inbound(chainID: again.chainID)?.state.iteration == 1)  // the existing state (already past message 0) was kept
        let forged = SenderKeyDistributionMessage(layout: .legacy, distributionID: [], chainID: again.chainID, iteration: 0,
                                                  chainKey: again.chainKey, signingKey: ECKeyPair.generate().publicKey.serialized)
        try await member.cipher.process(forged.serialized, from: sender.device.address, groupID: Self.group)
        let replaced = try #require(await member.device.store.senderKey(for: SenderKeyName(groupID: Self.group, sender: sender.device.address)))
        #expect(replaced.states.count == 1)
        await #expect(throws: GroupError(.invalidSignature, "")) {
            try await member.cipher.decrypt(try await sender.cipher.encrypt([2], groupID: Self.group).serialized, from: sender.device.address, groupID: Self.group)
        }
    }

    @Test("failures leave the store unchanged: tampered signature or body, wrong layout, too far ahead, unknown chain")
    func failuresChangeNothing() async throws {
        let (sender, members) = try await group(.distributionUUID, receivers: 1)
        let member = members[0]
        let message = try await sender.cipher.encrypt(Array("genuine".utf8), groupID: Self.group)
        let before = await member.device.store.snapshot()
        func attempt(_ bytes: [UInt8], _ code: GroupError.Code) async {
            await #expect(throws: GroupError(code, "")) {
                try await member.cipher.decrypt(bytes, from: sender.device.address, groupID: Self.group)
            }
            #expect(await member.device.store.snapshot() == before)
        }
        for index in message.serialized.indices where index > 0 {
            var bytes = message.serialized
            bytes[index] ^= 0x01
            let before = await member.device.store.snapshot()
            await #expect(throws: GroupError.self) { try await member.cipher.decrypt(bytes, from: sender.device.address, groupID: Self.group) }
            #expect(await member.device.store.snapshot() == before, "byte \(index)")
        }
        let signer = XEdDSASigningKey(ECKeyPair.generate().privateKey)
        let legacy = SenderKeyMessage(layout: .legacy, distributionID: [], chainID: message.chainID, iteration: 0, ciphertext: message.ciphertext) { signer.signature(for: $0) }
        await attempt(legacy.serialized, .wrongLayout)
        let state = try #require(await member.device.store.senderKey(for: SenderKeyName(groupID: Self.group, sender: sender.device.address))).states[0]
        _ = state
        let senderState = try #require(await sender.device.store.senderKey(for: SenderKeyName(groupID: Self.group, sender: sender.device.address))?.outbound)
        let ownSigner = senderState.signer
        let far = SenderKeyMessage(layout: .distributionUUID, distributionID: Self.group, chainID: message.chainID,
                                   iteration: GroupLimits.chain.maxForwardJump + 1, ciphertext: message.ciphertext) { ownSigner.signature(for: $0) }
        await attempt(far.serialized, .tooFarInFuture)
        let unknown = SenderKeyMessage(layout: .distributionUUID, distributionID: Self.group, chainID: message.chainID ^ 1,
                                       iteration: 0, ciphertext: message.ciphertext) { ownSigner.signature(for: $0) }
        await attempt(unknown.serialized, .noSenderKey)
        await attempt(Array(message.serialized.prefix(40)), .invalidMessage)
        #expect(try await member.cipher.decrypt(message.serialized, from: sender.device.address, groupID: Self.group) == Array("genuine".utf8))
    }

    @Test("sender key records round-trip, skipped keys included, and stay bounded")
    func records() async throws {
        let (sender, members) = try await group(.distributionUUID, receivers: 1)
        var messages: [SenderKeyMessage] = []
        for i in 0..<5 { messages.append(try await sender.cipher.encrypt([UInt8(i)], groupID: Self.group)) }
        _ = try await members[0].cipher.decrypt(messages[4].serialized, from: sender.device.address, groupID: Self.group)
        let name = SenderKeyName(groupID: Self.group, sender: sender.device.address)
        let record = try #require(await members[0].device.store.senderKey(for: name))
        let restored = try SenderKeyRecord(serialized: record.serialized)
        #expect(restored.serialized == record.serialized)
        await members[0].device.store.storeSenderKey(restored, for: name)
        #expect(try await members[0].cipher.decrypt(messages[2].serialized, from: sender.device.address, groupID: Self.group) == [2])
        let own = try #require(await sender.device.store.senderKey(for: name))
        #expect(try SenderKeyRecord(serialized: own.serialized).outbound != nil)
        var many = record
        for i in 0..<8 {
            many.add(.inbound(InboundSenderKeyState(
                chainID: UInt32(1000 + i), chainKey: ChainKey(try SymmetricKey256(rawRepresentation: [UInt8](repeating: 1, count: 32)), index: 0),
                signingPublicKey: ECKeyPair.generate().publicKey)))
        }
        #expect(many.states.count == GroupLimits.maxStates)
        #expect(throws: RecordError(.corruptRecord, "")) { try SenderKeyRecord(serialized: [0x01, 0x08, 0x07]) }
    }
}

/// A small deterministic generator for shuffles in tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
