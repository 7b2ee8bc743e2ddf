import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// Deterministic live sessions the decrypt targets run against: Bob has a v3 session with Alice (both
/// talked), keeps his prekeys for new PreKey messages, and has processed Alice's sender key. The PreKey
/// seeds come from four new initiators Bob has not heard from (X3DH with and without a one-time prekey,
/// PQXDH with a one-time and with a last-resort KEM prekey), all for one address Bob has no identity
/// for yet, so each seed gets past the trust check into the responder, the KEM path and the ratchet.
final class Fixture: Sendable {
    static let groupID: [UInt8] = Array(0..<16)
    let aliceAddress = ProtocolAddress(name: "alice", deviceID: DeviceID(1))
    let bobStore: InMemorySignalProtocolStore
    /// Bob's cipher for the address the PreKey seeds come from.
    let bobPreKeyCipher: SessionCipher<InMemorySignalProtocolStore>
    let bobGroup: GroupCipher<InMemorySignalProtocolStore>
    let bobRecord: SessionRecord
    let bobRecordBytes: [UInt8]
    let signalMessages: [[UInt8]]
    let preKeyMessages: [[UInt8]]
    let groupMessages: [[UInt8]]
    let distribution: [UInt8]
    let senderKeyRecordBytes: [UInt8]
    let identityBytes: [UInt8]
    let bobIdentity: IdentityKeyPair

    static let shared = Task { try! await Fixture() }

    static var sharedValue: Fixture { get async { await shared.value } }

    private init() async throws {
        let aliceIdentity = IdentityKeyPair.generate(using: SeededEntropy(seed: 1))
        let bobIdentity = IdentityKeyPair.generate(using: SeededEntropy(seed: 2))
        self.bobIdentity = bobIdentity
        let aliceStore = InMemorySignalProtocolStore(identity: aliceIdentity, registrationID: RegistrationID(rawValue: 11)!)
        bobStore = InMemorySignalProtocolStore(identity: bobIdentity, registrationID: RegistrationID(rawValue: 22)!)
        let bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
        let entropy = SeededEntropy(seed: 3)
        let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0, using: entropy)
        let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(1), count: 3, using: entropy)
        let kemOneTime = KEMPreKey.generate(id: KEMPreKeyID(1), signedBy: bobIdentity, timestamp: 0, lastResort: false, using: entropy)
        let kemLastResort = KEMPreKey.generate(id: KEMPreKeyID(2), signedBy: bobIdentity, timestamp: 0, lastResort: true, using: entropy)
        try await bobStore.storeSignedPreKey(signed)
        for key in oneTime { try await bobStore.storePreKey(key) }
        try await bobStore.storeKEMPreKey(kemOneTime)
        try await bobStore.storeKEMPreKey(kemLastResort)
        let alice = SessionCipher(store: aliceStore, address: bobAddress, entropy: SeededEntropy(seed: 4))
        let bobCipher = SessionCipher(store: bobStore, address: aliceAddress, entropy: SeededEntropy(seed: 5))
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

        // New initiators whose PreKey messages Bob has not seen; the store keeps every prekey they name.
        let initiator = ProtocolAddress(name: "initiator", deviceID: DeviceID(1))
        bobPreKeyCipher = SessionCipher(store: bobStore, address: initiator, entropy: SeededEntropy(seed: 5))
        var preKey: [[UInt8]] = []
        let shapes: [(OneTimePreKey?, KEMPreKey?)] = [(oneTime[1], nil), (nil, nil), (oneTime[2], kemOneTime), (nil, kemLastResort)]
        for (index, (oneTimeKey, kemKey)) in shapes.enumerated() {
            let seed = UInt64(60 + index)
            let store = InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(using: SeededEntropy(seed: seed)),
                                                    registrationID: RegistrationID(rawValue: 33 + UInt32(index))!)
            let cipher = SessionCipher(store: store, address: bobAddress, entropy: SeededEntropy(seed: seed + 100))
            try await cipher.process(try PreKeyBundle(
                publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 22)!, deviceID: DeviceID(1),
                signedPreKey: signed, oneTimePreKey: oneTimeKey, kemPreKey: kemKey))
            preKey.append(try await cipher.encrypt([9, 9, UInt8(index)]).serialized)
            if index == 0 { preKey.append(try await cipher.encrypt([]).serialized) }
        }
        preKeyMessages = preKey

        let aliceGroup = GroupCipher(store: aliceStore, localAddress: aliceAddress, entropy: SeededEntropy(seed: 8))
        bobGroup = GroupCipher(store: bobStore, localAddress: bobAddress, entropy: SeededEntropy(seed: 9))
        let skdm = try await aliceGroup.distributionMessage(for: Self.groupID)
        distribution = skdm.serialized
        try await bobGroup.process(skdm.serialized, from: aliceAddress, groupID: Self.groupID)
        var group: [[UInt8]] = []
        for i in 0..<3 { group.append(try await aliceGroup.encrypt([UInt8](repeating: 7, count: i * 30), groupID: Self.groupID).serialized) }
        groupMessages = group
        senderKeyRecordBytes = await bobStore.senderKey(for: SenderKeyName(groupID: Self.groupID, sender: aliceAddress))!.serialized
        bobRecord = await bobStore.session(for: aliceAddress)!
        bobRecordBytes = bobRecord.serialized
        identityBytes = bobIdentity.serialized
    }
}
