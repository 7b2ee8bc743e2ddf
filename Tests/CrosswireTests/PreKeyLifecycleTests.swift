@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// Issuing, storing and retiring prekeys: ids never trap or collide silently, and what is kept to refuse
/// replays is dropped with the signed prekey it names.
@Suite("Prekey ids and retirement")
struct PreKeyLifecycleTests {
    @Test("a batch from any start stays in 1...maxIssued, consecutive and wrapping")
    func batchIDs() {
        let entropy = SeededEntropy(seed: 350)
        #expect(OneTimePreKey.generateBatch(startingAt: PreKeyID(0), count: 3, using: entropy).map(\.id.rawValue) == [1, 2, 3])
        #expect(OneTimePreKey.generateBatch(startingAt: PreKeyID(PreKeyID.maxIssued), count: 3, using: entropy).map(\.id.rawValue)
                == [PreKeyID.maxIssued, 1, 2])
        #expect(OneTimePreKey.generateBatch(startingAt: PreKeyID(UInt32.max), count: 2, using: entropy).map(\.id.rawValue) == [1, 2])
        #expect(OneTimePreKey.generateBatch(startingAt: PreKeyID(5), count: 0, using: entropy).isEmpty)
    }

    @Test("storing another key under an id already held is refused; the same key again is fine")
    func idCollisions() async throws {
        let identity = IdentityKeyPair.generate(using: SeededEntropy(seed: 351))
        let store = InMemorySignalProtocolStore(identity: identity, registrationID: RegistrationID(rawValue: 5)!)
        let entropy = SeededEntropy(seed: 352)
        let first = OneTimePreKey.generateBatch(startingAt: PreKeyID(7), count: 1, using: entropy)[0]
        let second = OneTimePreKey.generateBatch(startingAt: PreKeyID(7), count: 1, using: entropy)[0]
        try await store.storePreKey(first)
        try await store.storePreKey(first)
        await #expect(throws: StoreError.self) { try await store.storePreKey(second) }
        #expect(await store.preKey(id: PreKeyID(7))?.keyPair.publicKey == first.keyPair.publicKey)

        let signedA = SignedPreKey.generate(id: SignedPreKeyID(3), signedBy: identity, timestamp: 0, using: entropy)
        let signedB = SignedPreKey.generate(id: SignedPreKeyID(3), signedBy: identity, timestamp: 0, using: entropy)
        try await store.storeSignedPreKey(signedA)
        await #expect(throws: StoreError.self) { try await store.storeSignedPreKey(signedB) }
        #expect(await store.signedPreKey(id: SignedPreKeyID(3))?.keyPair.publicKey == signedA.keyPair.publicKey)

        let kemA = KEMPreKey.generate(id: KEMPreKeyID(4), signedBy: identity, timestamp: 0, lastResort: true, using: entropy)
        let kemB = KEMPreKey.generate(id: KEMPreKeyID(4), signedBy: identity, timestamp: 0, lastResort: true, using: entropy)
        try await store.storeKEMPreKey(kemA)
        await #expect(throws: StoreError.self) { try await store.storeKEMPreKey(kemB) }
        #expect(await store.kemPreKey(id: KEMPreKeyID(4))?.publicKey == kemA.publicKey)
        do {
            try await store.storePreKey(second)
        } catch {
            #expect(error.code == .idCollision)
            #expect(error.reason.contains("7"))
        }
    }

    @Test("removing a signed prekey forgets the last-resort uses that named it, and refuses its messages")
    func lastResortUsesPrunedWithRotation() async throws {
        let alice = Device("alice", seed: 353), bob = Device("bob", seed: 1353)
        try await alice.cipher(for: bob).process(try await bob.bundle(signedID: 1, preKeyID: nil, kemID: 8, lastResort: true))
        _ = try await bob.receive(try await alice.send("hi", to: bob), from: alice)
        #expect(await bob.store.allContents.usedLastResort.count == 1)
        // Rotation: a new signed prekey is published, later the old one is deleted.
        let carol = Device("carol", seed: 354)
        try await carol.cipher(for: bob).process(try await bob.bundle(signedID: 2, preKeyID: nil, kemID: nil))
        _ = try await bob.receive(try await carol.send("hello", to: bob), from: carol)
        await bob.store.removeSignedPreKey(id: SignedPreKeyID(1))
        #expect(await bob.store.allContents.usedLastResort.isEmpty)
        #expect(await bob.store.signedPreKey(id: SignedPreKeyID(1)) == nil)
        #expect(await bob.store.signedPreKey(id: SignedPreKeyID(2)) != nil)
    }
}
