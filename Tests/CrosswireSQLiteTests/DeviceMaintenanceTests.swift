@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
import Testing
@testable import Crosswire

@Suite("Device lifecycle")
struct DeviceMaintenanceTests {
    static let day: UInt64 = 86_400_000
    static let start: UInt64 = 1_800_000_000_000
    static let policy = PreKeyPolicy(rotationInterval: 2 * day, gracePeriod: 30 * day, oneTimeMinimum: 3, oneTimeBatch: 6)

    private func device(_ directory: TemporaryDirectory, _ name: String, seed: UInt64) async throws -> (SQLiteStore, IdentityKeyPair) {
        let store = try SQLiteStore(path: directory.file("\(name).sqlite"), storageKey: SymmetricKey256())
        let identity = IdentityKeyPair.generate(using: SeededEntropy(seed: seed))
        try await store.createLocalIdentity(identity, registrationID: RegistrationID(rawValue: 42)!)
        return (store, identity)
    }

    private func maintenance(_ store: SQLiteStore, at time: UInt64) -> DeviceMaintenance<SQLiteStore> {
        DeviceMaintenance(store: store, policy: Self.policy, now: { time })
    }

    @Test("the first run creates a signed prekey, a last-resort KEM prekey and full one-time batches; a second run adds nothing")
    func firstRun() async throws {
        let directory = try TemporaryDirectory()
        let (store, identity) = try await device(directory, "bob", seed: 1)
        let report = try await maintenance(store, at: Self.start).run()
        let signed = try #require(report.signedPreKey)
        #expect(identity.identityKey.publicKey.isValidSignature(signed.signature, for: signed.keyPair.publicKey.serialized))
        #expect(report.lastResortKEMPreKey?.isLastResort == true)
        #expect(report.oneTimePreKeys.map(\.id.rawValue) == [1, 2, 3, 4, 5, 6])
        #expect(report.kemPreKeys.count == 6 && report.kemPreKeys.allSatisfy { !$0.isLastResort })
        let again = try await maintenance(store, at: Self.start + 1000).run()
        #expect(!again.hasNewKeys && again.retiredSignedPreKeys.isEmpty)
    }

    @Test("one-time prekeys are topped up below the minimum with ids never issued before, even after the used ones were deleted")
    func replenishment() async throws {
        let directory = try TemporaryDirectory()
        let (bob, _) = try await device(directory, "bob", seed: 2)
        _ = try await maintenance(bob, at: Self.start).run()
        // Four peers each consume one one-time prekey (and one one-time KEM prekey) by starting a session.
        for i in 0..<4 {
            let (peer, _) = try await device(directory, "peer\(i)", seed: 10 + UInt64(i))
            let bundle = try await maintenance(bob, at: Self.start).bundle(deviceID: DeviceID(1))
            let bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1)), peerAddress = ProtocolAddress(name: "peer\(i)", deviceID: DeviceID(1))
            try await SessionCipher(store: peer, address: bobAddress).process(bundle)
            let message = try await SessionCipher(store: peer, address: bobAddress).encrypt([UInt8(i)])
            _ = try await SessionCipher(store: bob, address: peerAddress).decrypt(message.serialized, kind: .preKey)
        }
        let held = try await bob.transaction(.device) { t in try t.preKeyIDs().map(\.rawValue) }
        #expect(held == [5, 6])
        let report = try await maintenance(bob, at: Self.start + 1000).run()
        #expect(report.oneTimePreKeys.map(\.id.rawValue) == [7, 8, 9, 10], "ids 1–4 were used: reissuing them would let an old bundle name a new key")
        #expect(report.kemPreKeys.count == 4)
        let kemIDs = try await bob.transaction(.device) { t in try t.kemPreKeys().map(\.id.rawValue) }
        #expect(Set(kemIDs).count == kemIDs.count)
    }

    @Test("the signed prekey rotates after the interval; the previous one stays for the grace period, then goes with its last-resort uses")
    func rotationAndGrace() async throws {
        let directory = try TemporaryDirectory()
        let (bob, _) = try await device(directory, "bob", seed: 3)
        let first = try #require(try await maintenance(bob, at: Self.start).run().signedPreKey)
        // A session from the last-resort key marks a use against the first signed prekey.
        let (alice, _) = try await device(directory, "alice", seed: 4)
        let full = try await maintenance(bob, at: Self.start).bundle(deviceID: DeviceID(1))
        let lastResort = try #require(try await bob.transaction(.device) { t in try t.kemPreKeys().first(where: \.isLastResort) })
        let bundle = try PreKeyBundle(publishing: full.identityKey, registrationID: full.registrationID, deviceID: full.deviceID,
                                      signedPreKey: try #require(try await bob.transaction(.device) { t in try t.signedPreKey(id: first.id) }),
                                      kemPreKey: lastResort)
        let bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1)), aliceAddress = ProtocolAddress(name: "alice", deviceID: DeviceID(1))
        try await SessionCipher(store: alice, address: bobAddress).process(bundle)
        let message = try await SessionCipher(store: alice, address: bobAddress).encrypt([1])
        _ = try await SessionCipher(store: bob, address: aliceAddress).decrypt(message.serialized, kind: .preKey)
        let baseKey = try ECPublicKey(serialized: try #require({ if case .preKey(let m) = message { return m.baseKey } else { return nil } }()))
        #expect(try await bob.transaction(.device) { t in try t.hasUsedKEMPreKey(id: lastResort.id, signedPreKeyID: first.id, baseKey: baseKey) })

        let early = try await maintenance(bob, at: Self.start + Self.day).run()
        #expect(early.signedPreKey == nil && early.lastResortKEMPreKey == nil)
        let rotated = try await maintenance(bob, at: Self.start + 2 * Self.day).run()
        let second = try #require(rotated.signedPreKey)
        #expect(second.id.rawValue == first.id.rawValue + 1)
        #expect(rotated.lastResortKEMPreKey != nil)
        #expect(rotated.retiredSignedPreKeys.isEmpty, "the previous key must stay for the grace period")
        // A PreKey message naming the old key still works inside the grace period.
        #expect(try await bob.transaction(.device) { t in try t.signedPreKey(id: first.id) } != nil)

        let retired = try await maintenance(bob, at: Self.start + 32 * Self.day + 1).run()
        #expect(retired.retiredSignedPreKeys.contains(first.id))
        #expect(retired.retiredKEMPreKeys.contains(lastResort.id))
        #expect(try await bob.transaction(.device) { t in try t.signedPreKey(id: first.id) } == nil)
        #expect(try await bob.transaction(.device) { t in try t.hasUsedKEMPreKey(id: lastResort.id, signedPreKeyID: first.id, baseKey: baseKey) } == false)
        // The current keys survive every retirement.
        #expect(try await bob.transaction(.device) { t in try t.signedPreKeys().count } >= 1)
        #expect(try await bob.transaction(.device) { t in try t.kemPreKeys().contains(where: \.isLastResort) })
    }

    @Test("the in-memory store keeps last-issued ids the same way")
    func inMemoryIDs() async throws {
        let identity = IdentityKeyPair.generate()
        let store = InMemorySignalProtocolStore(identity: identity, registrationID: RegistrationID(rawValue: 9)!)
        let maintenance = DeviceMaintenance(store: store, policy: PreKeyPolicy(oneTimeMinimum: 2, oneTimeBatch: 3, postQuantum: false), now: { Self.start })
        #expect(try await maintenance.run().oneTimePreKeys.map(\.id.rawValue) == [1, 2, 3])
        await store.removePreKey(id: PreKeyID(1))
        await store.removePreKey(id: PreKeyID(2))
        #expect(try await maintenance.run().oneTimePreKeys.map(\.id.rawValue) == [4, 5])
    }
}
