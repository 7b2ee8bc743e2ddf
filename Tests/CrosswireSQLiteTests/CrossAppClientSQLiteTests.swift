@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
import GRDB
import Testing
@testable import Crosswire

/// The cross-app client on the encrypted SQLite store: device lists, groups and sessions survive a
/// restart, and a message stored in the app's own table commits with the ratchet step, exactly once.
@Suite("Cross-app client on SQLite")
struct CrossAppClientSQLiteTests {
    typealias Client = CrossAppClient<SQLiteStore, InMemoryDeviceDirectory>

    func store(_ path: String, seed: UInt64) async throws -> (SQLiteStore, SymmetricKey256) {
        let entropy = SeededEntropy(seed: seed)
        let key = SymmetricKey256(using: entropy)
        let store = try SQLiteStore(path: path, storageKey: key)
        try await store.createLocalIdentity(.generate(using: entropy), registrationID: .generate(using: entropy))
        return (store, key)
    }

    @Test("receive-then-store in the app's table is exactly once; state survives reopening")
    func exactlyOnceAcrossRestart() async throws {
        let directory = InMemoryDeviceDirectory()
        let folder = try TemporaryDirectory()
        let (aliceStore, _) = try await store(folder.file("alice.sqlite"), seed: 1)
        let (bobStore, bobKey) = try await store(folder.file("bob.sqlite"), seed: 2)
        try await bobStore.transaction(.device) { t in
            try t.database.execute(sql: "CREATE TABLE app_messages (id BLOB PRIMARY KEY, body TEXT NOT NULL)")
        }
        let alice = try await Client.registerPrimary(try UserAddress(parsing: "whatsapp:alice"), store: aliceStore, directory: directory)
        let bob = try await Client.registerPrimary(try UserAddress(parsing: "messenger:bob"), store: bobStore, directory: directory)
        let group = try await alice.createGroup(named: "pair", members: [bob.address.user])
        try await alice.send(text: "stored once", to: bob.address.user)
        let queued = try await directory.pending(for: bob.address)
        #expect(queued.count == 2)

        @Sendable func save(_ t: inout SQLiteStore.Transaction, _ message: ReceivedMessage) throws {
            try t.database.execute(sql: "INSERT INTO app_messages (id, body) VALUES (?, ?)",
                                   arguments: [Data(message.messageID.rawRepresentation), String(decoding: message.content.body, as: UTF8.self)])
        }
        _ = try await bob.receive(queued[0])
        // The app's write fails: neither the message nor the ratchet step is kept.
        await #expect(throws: ClientError.self) {
            try await bob.receive(queued[1]) { _, _ in throw CancellationError() }
        }
        // Reopen Bob's file, as after a crash, and receive again: it commits once; a third time is a duplicate.
        let reopened = try SQLiteStore(path: folder.file("bob.sqlite"), storageKey: bobKey)
        let bobAgain = Client(address: bob.address, store: reopened, directory: directory)
        try await bobAgain.receive(queued[1], then: save)
        await #expect(throws: ClientError(.decryptionFailed, "")) { try await bobAgain.receive(queued[1], then: save) }
        let rows = try await reopened.transaction(.device) { t in try Int.fetchOne(t.database, sql: "SELECT COUNT(*) FROM app_messages") }
        #expect(rows == 1)
        // The group and Alice's verified list came back from the file.
        #expect(try await bobAgain.group(group).name == "pair")
        #expect(try await bobAgain.deviceList(for: alice.address.user).version == 1)
    }
}
