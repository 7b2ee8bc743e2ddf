@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
import GRDB
import Testing
@testable import Crosswire

/// Every released schema version has a fixture here: two devices' files with a session between them
/// and one message in flight. A build must open each, migrate it, and go on talking. Regenerate the
/// newest (only when adding a schema version) with `CROSSWIRE_WRITE_FIXTURES=1 swift test --filter SchemaFixture`.
@Suite("Schema fixtures")
struct SchemaFixtureTests {
    struct Manifest: Codable {
        let schema: Int
        let aliceKey: String
        let bobKey: String
        let message: String
        let plaintext: String
    }

    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    /// The schema this build writes (`Schema.version`).
    static let current = 2
    static let carol = try! UserAddress(parsing: "instagram:carol")

    @Test("every released schema version opens, migrates, decrypts its message in flight and keeps talking", arguments: [1, 2])
    func opens(version: Int) async throws {
        let source = Self.fixtures.appendingPathComponent("schema-v\(version)")
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: source.appendingPathComponent("manifest.json")))
        #expect(manifest.schema == version)
        let directory = try TemporaryDirectory()
        for name in ["alice", "bob"] {
            try FileManager.default.copyItem(atPath: source.appendingPathComponent("\(name).sqlite").path, toPath: directory.file("\(name).sqlite"))
        }
        let alice = try SQLiteStore(path: directory.file("alice.sqlite"), storageKey: try SymmetricKey256(rawRepresentation: try Hex.decode(manifest.aliceKey)))
        let bob = try SQLiteStore(path: directory.file("bob.sqlite"), storageKey: try SymmetricKey256(rawRepresentation: try Hex.decode(manifest.bobKey)))
        let aliceAddress = ProtocolAddress(name: "alice", deviceID: DeviceID(1)), bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
        let received = try await SessionCipher(store: bob, address: aliceAddress).decrypt(try Hex.decode(manifest.message), kind: .signal)
        #expect(String(decoding: received, as: UTF8.self) == manifest.plaintext)
        let reply = try await SessionCipher(store: bob, address: aliceAddress).encrypt(Array("reply".utf8))
        #expect(try await SessionCipher(store: alice, address: bobAddress).decrypt(reply.serialized, kind: reply.kind) == Array("reply".utf8))
        let now = try await DatabaseQueue(path: directory.file("bob.sqlite")).read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
        #expect(now == Self.current)
        // From version 2 the fixture holds a device-list row, which must read back.
        let list = try await alice.transaction(.device) { t in try t.deviceList(for: Self.carol) }
        #expect((list != nil) == (version >= 2))
        if let list { #expect(list.list.addresses.map(\.description) == ["instagram:carol/1"]) }
    }

    @Test("writes the newest fixture when asked", .enabled(if: ProcessInfo.processInfo.environment["CROSSWIRE_WRITE_FIXTURES"] == "1"))
    func write() async throws {
        let target = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/schema-v\(Self.current)")
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 1)
        let message = try await alice.send("written by schema v\(Self.current)", to: bob)
        let carolPrimary = IdentityKeyPair.generate()
        let carolList = try DeviceList(user: Self.carol, version: 1, primary: try DeviceIdentity(
            user: Self.carol, deviceID: DeviceID(1), registrationID: RegistrationID(rawValue: 9)!, identityKey: carolPrimary.identityKey, addedAt: 1),
            companions: []).signed(by: carolPrimary).verified(for: Self.carol)
        try await alice.store.transaction(.device) { t in try t.storeDeviceList(DeviceListRecord(list: carolList), for: Self.carol) }
        for device in [alice, bob] {
            try await DatabaseQueue(path: device.path).writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try FileManager.default.copyItem(atPath: device.path, toPath: target.appendingPathComponent("\(device.name).sqlite").path)
        }
        let manifest = Manifest(schema: Self.current, aliceKey: Hex.encode(alice.storageKey.rawRepresentation.unprotectedBytes),
                                bobKey: Hex.encode(bob.storageKey.rawRepresentation.unprotectedBytes),
                                message: Hex.encode(message.serialized), plaintext: "written by schema v\(Self.current)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: target.appendingPathComponent("manifest.json"))
    }
}

/// The README's persisted-device quick start, as written (with a temporary path and a fresh key).
@Suite("README persisted device")
struct PersistedQuickStartTests {
    @Test("a device opened from a file publishes keys and decrypts inside its transaction")
    func persistedDevice() async throws {
        let directory = try TemporaryDirectory()
        let storageKey = SymmetricKey256()
        let alice = try await SQLiteDevice.create("messenger:alice", in: directory, seed: 77)

        let store = try SQLiteStore(path: directory.file("bob.sqlite"), storageKey: storageKey)
        if store.localIdentity == nil {
            try await store.createLocalIdentity(IdentityKeyPair.generate(), registrationID: RegistrationID.generate())
        }
        let keys = try await DeviceMaintenance(store: store).run()
        #expect(keys.signedPreKey != nil && keys.oneTimePreKeys.count == 100 && keys.kemPreKeys.count == 100)
        let bobAddress = ProtocolAddress(name: "whatsapp:bob", deviceID: DeviceID(1))
        try await SessionCipher(store: alice.store, address: bobAddress).process(try await DeviceMaintenance(store: store).bundle(deviceID: DeviceID(1)))
        let message = try await SessionCipher(store: alice.store, address: bobAddress).encrypt(Array("persisted".utf8))

        let fromAlice = SessionCipher(store: store, address: ProtocolAddress(name: "messenger:alice", deviceID: DeviceID(1)))
        let text = try await fromAlice.decrypt(message.serialized, kind: message.kind) { transaction, decrypted in
            String(decoding: decrypted.plaintext, as: UTF8.self)
        }
        #expect(text == "persisted")
    }
}
