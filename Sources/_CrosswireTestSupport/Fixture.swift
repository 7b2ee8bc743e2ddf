import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// Deterministic live sessions the decrypt targets run against: Bob has a v3 session with Alice (both
/// talked), keeps his prekeys for new PreKey messages, and has processed Alice's sender key.
final class Fixture: Sendable {
    static let groupID: [UInt8] = Array(0..<16)
    let aliceAddress = ProtocolAddress(name: "alice", deviceID: DeviceID(1))
    let bobStore: InMemorySignalProtocolStore
    let bobCipher: SessionCipher<InMemorySignalProtocolStore>
    let bobGroup: GroupCipher<InMemorySignalProtocolStore>
    let bobRecord: SessionRecord
    let bobRecordBytes: [UInt8]
    let signalMessages: [[UInt8]]
    let preKeyMessages: [[UInt8]]
    let groupMessages: [[UInt8]]
    let distribution: [UInt8]
    let senderKeyRecordBytes: [UInt8]
    let identityBytes: [UInt8]

    static let shared = Task { try! await Fixture() }

    static var sharedValue: Fixture { get async { await shared.value } }

    private init() async throws {
        let aliceIdentity = IdentityKeyPair.generate(using: SeededEntropy(seed: 1))
        let bobIdentity = IdentityKeyPair.generate(using: SeededEntropy(seed: 2))
        let aliceStore = InMemorySignalProtocolStore(identity: aliceIdentity, registrationID: RegistrationID(rawValue: 11)!)
        bobStore = InMemorySignalProtocolStore(identity: bobIdentity, registrationID: RegistrationID(rawValue: 22)!)
        let bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
        let entropy = SeededEntropy(seed: 3)
        let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0, using: entropy)
        let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(1), count: 2, using: entropy)
        await bobStore.storeSignedPreKey(signed)
        for key in oneTime { await bobStore.storePreKey(key) }
        let alice = SessionCipher(store: aliceStore, address: bobAddress, entropy: SeededEntropy(seed: 4))
        bobCipher = SessionCipher(store: bobStore, address: aliceAddress, entropy: SeededEntropy(seed: 5))
        try await alice.process(try PreKeyBundle(
            publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 22)!, deviceID: DeviceID(1),
            signedPreKey: signed, oneTimePreKey: oneTime[0]))
        let first = try await alice.encrypt([1, 2, 3])
        _ = try await bobCipher.decrypt(first.serialized, kind: first.kind)
        let reply = try await bobCipher.encrypt([4])
        _ = try await alice.decrypt(reply.serialized, kind: reply.kind)
        var signal: [[UInt8]] = []
        for i in 0..<4 { signal.append(try await alice.encrypt([UInt8](repeating: UInt8(i), count: i * 20)).serialized) }
        signalMessages = signal

        // A second initiator whose PreKey messages Bob has not seen (the store keeps prekey #2).
        let carolStore = InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(using: SeededEntropy(seed: 6)), registrationID: RegistrationID(rawValue: 33)!)
        let carol = SessionCipher(store: carolStore, address: bobAddress, entropy: SeededEntropy(seed: 7))
        try await carol.process(try PreKeyBundle(
            publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 22)!, deviceID: DeviceID(1),
            signedPreKey: signed, oneTimePreKey: oneTime[1]))
        preKeyMessages = [try await carol.encrypt([9, 9]).serialized, try await carol.encrypt([]).serialized]

        let aliceGroup = GroupCipher(store: aliceStore, localAddress: aliceAddress, entropy: SeededEntropy(seed: 8))
        bobGroup = GroupCipher(store: bobStore, localAddress: bobAddress, entropy: SeededEntropy(seed: 9))
        let skdm = try await aliceGroup.distributionMessage(for: Self.groupID)
        distribution = skdm.serialized
        try await bobGroup.process(skdm.serialized, from: aliceAddress, groupID: Self.groupID)
        var group: [[UInt8]] = []
        for i in 0..<3 { group.append(try await aliceGroup.encrypt([UInt8](repeating: 7, count: i * 30), groupID: Self.groupID).serialized) }
        groupMessages = group
        senderKeyRecordBytes = try await bobStore.senderKey(for: SenderKeyName(groupID: Self.groupID, sender: aliceAddress))!.serialized
        bobRecord = try await bobStore.session(for: aliceAddress)!
        bobRecordBytes = bobRecord.serialized
        identityBytes = bobIdentity.serialized
    }
}
