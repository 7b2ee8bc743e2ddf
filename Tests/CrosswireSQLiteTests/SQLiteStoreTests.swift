@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
import GRDB
import Testing
@testable import Crosswire

/// The raw bytes of every row of `table`, to prove a failed operation overwrote nothing.
private func rows(_ path: String, _ table: String) throws -> [[UInt8]] {
    let queue = try DatabaseQueue(path: path)
    return try queue.read { db in try Data.fetchAll(db, sql: "SELECT sealed FROM \(table) ORDER BY 1").map { Array($0) } }
}

private func storeErrorCode(_ error: any Error) -> StoreError.Code? {
    if let error = error as? StoreError { return error.code }
    if let error = error as? SessionError { return error.underlying.flatMap(storeErrorCode) }
    if let error = error as? GroupError { return error.underlying.flatMap(storeErrorCode) }
    return nil
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("a new file runs at synchronous=FULL by default, NORMAL only on request")
    func durability() async throws {
        let directory = try TemporaryDirectory()
        let full = try SQLiteStore(path: directory.file("full.sqlite"), storageKey: SymmetricKey256())
        #expect(try await full.synchronousMode() == 2)
        let normal = try SQLiteStore(path: directory.file("normal.sqlite"), storageKey: SymmetricKey256(),
                                     options: .init(durability: .normal))
        #expect(try await normal.synchronousMode() == 1)
    }

    @Test("sessions, identities and prekeys survive closing and reopening the file")
    func persistsAcrossRestart() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 10)
        let inFlight = try await alice.send("sent before the restart", to: bob)
        let (alice2, bob2) = (try alice.reopened(), try bob.reopened())
        #expect(alice2.store.localIdentity?.identity.identityKey == alice.identity.identityKey)
        #expect(try await bob2.receive(inFlight, from: alice2) == "sent before the restart")
        #expect(try await alice2.receive(try await bob2.send("after", to: alice2), from: bob2) == "after")
        let saved = try await bob2.store.transaction(.device) { t in try t.identity(for: ProtocolAddress(name: "alice", deviceID: DeviceID(1))) }
        #expect(saved == alice.identity.identityKey)
    }

    @Test("no secret appears in the file in the clear")
    func sealedAtRest() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 12)
        _ = try await alice.send("x", to: bob)
        let file = try Data(contentsOf: URL(fileURLWithPath: alice.path))
            + ((try? Data(contentsOf: URL(fileURLWithPath: alice.path + "-wal"))) ?? Data())
        let privateKey = Data(alice.identity.privateKey.rawRepresentation.unprotectedBytes)
        #expect(file.range(of: privateKey) == nil, "the identity private key is stored in the clear")
        let record = try #require(try await alice.store.transaction(.device) { t in try t.session(for: bob.address) })
        let rootKey = Data(record.current!.rootKeyBytes.unprotectedBytes)
        #expect(file.range(of: rootKey) == nil, "the root key is stored in the clear")
    }

    @Test("a wrong storage key is refused with wrongStorageKey, and the file is untouched")
    func wrongStorageKey() async throws {
        let directory = try TemporaryDirectory()
        let (alice, _) = try await sqlitePair(in: directory, seed: 14)
        let before = try rows(alice.path, "crosswire_sessions")
        #expect(throws: StoreError(.wrongStorageKey, "")) { try SQLiteStore(path: alice.path, storageKey: SymmetricKey256()) }
        #expect(try rows(alice.path, "crosswire_sessions") == before)
        _ = try alice.reopened()
    }

    @Test("a file from a newer schema is refused with newerSchema and left as it was")
    func newerSchema() async throws {
        let directory = try TemporaryDirectory()
        let (alice, _) = try await sqlitePair(in: directory, seed: 16)
        try await DatabaseQueue(path: alice.path).write { db in try db.execute(sql: "PRAGMA user_version = 99") }
        let before = try rows(alice.path, "crosswire_sessions")
        #expect(throws: StoreError(.newerSchema, "")) { try SQLiteStore(path: alice.path, storageKey: alice.storageKey) }
        #expect(try rows(alice.path, "crosswire_sessions") == before)
    }

    @Test("a file that is not a database is a databaseFailure, not a crash")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("junk.sqlite")
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError(.databaseFailure, "")) { try SQLiteStore(path: path, storageKey: SymmetricKey256()) }
    }

    @Test("a truncated file is a typed error at open or at the first read, never a crash or a wrong answer")
    func truncatedFile() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 34)
        let message = try await alice.send("into a truncated file", to: bob)
        try await DatabaseQueue(path: bob.path).writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        // Cut the file just before the page the session table starts on, wherever the schema puts it.
        let (root, pageSize) = try await DatabaseQueue(path: bob.path).read { db in
            (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'crosswire_sessions'")!,
             try Int.fetchOne(db, sql: "PRAGMA page_size")!)
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: bob.path))
        try handle.truncate(atOffset: UInt64((root - 1) * pageSize))
        try handle.close()
        do {
            let store = try SQLiteStore(path: bob.path, storageKey: bob.storageKey)
            _ = try await SessionCipher(store: store, address: alice.address).decrypt(message.serialized, kind: message.kind)
            Issue.record("a file cut in half still decrypted")
        } catch {
            let code = storeErrorCode(error)
            #expect(code == .databaseFailure || code == .corruptRow, "got \(error)")
        }
    }

    @Test("an altered, truncated or swapped session row is corruptRow naming the row; nothing is overwritten and other rows still work",
          arguments: ["flip", "truncate", "swap"])
    func corruptSessionRow(damage: String) async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 18)
        let carol = try await SQLiteDevice.create("carol", in: directory, seed: 20)
        try await carol.cipher(for: bob).process(try await bob.bundle())
        _ = try await bob.receive(try await carol.send("from carol", to: bob), from: carol)
        let message = try await alice.send("to a damaged row", to: bob)
        try await DatabaseQueue(path: bob.path).write { db in
            let sealed = try #require(try Data.fetchOne(db, sql: "SELECT sealed FROM crosswire_sessions WHERE name = 'alice'"))
            var damaged = Array(sealed)
            switch damage {
            case "flip": damaged[damaged.count / 2] ^= 0x01
            case "truncate": damaged = Array(damaged.prefix(damaged.count - 20))
            default: damaged = Array(try #require(try Data.fetchOne(db, sql: "SELECT sealed FROM crosswire_sessions WHERE name = 'carol'")))
            }
            try db.execute(sql: "UPDATE crosswire_sessions SET sealed = ? WHERE name = 'alice'", arguments: [Data(damaged)])
        }
        let before = try rows(bob.path, "crosswire_sessions")
        do {
            _ = try await bob.receive(message, from: alice)
            Issue.record("a damaged row decrypted")
        } catch {
            #expect(storeErrorCode(error) == .corruptRow)
            #expect("\(error)".contains("session row alice.1"))
        }
        #expect(try rows(bob.path, "crosswire_sessions") == before)
        #expect(try await bob.receive(try await carol.send("still fine", to: bob), from: carol) == "still fine")
    }

    @Test("a busy database is a typed busy error and changes nothing; the operation works once the lock is released")
    func busy() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 22)
        let impatient = try SQLiteStore(path: alice.path, storageKey: alice.storageKey, options: .init(busyTimeout: 0.05))
        var unsafe = Configuration()
        unsafe.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: alice.path, configuration: unsafe)
        try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let cipher = SessionCipher(store: impatient, address: bob.address)
        do {
            _ = try await cipher.encrypt(Array("blocked".utf8))
            Issue.record("encrypted while another connection held the write lock")
        } catch {
            #expect(storeErrorCode(error) == .busy)
        }
        try await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        #expect(try await bob.receive(try await cipher.encrypt(Array("unblocked".utf8)), from: alice) == "unblocked")
    }

    @Test("a full disk is diskFull; the transaction rolls back and the store stays usable")
    func diskFull() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 24)
        let entropy = alice.entropy
        let identity = alice.identity
        do {
            try await alice.store.transaction(.device) { t in
                // Cap the file at its current size on this connection, then write far more than fits.
                let pages = try Int.fetchOne(t.database, sql: "PRAGMA page_count") ?? 0
                _ = try Int.fetchOne(t.database, sql: "PRAGMA max_page_count = \(pages)")
                for id in 1000..<1400 {
                    try t.storeKEMPreKey(KEMPreKey.generate(id: KEMPreKeyID(UInt32(id)), signedBy: identity, timestamp: 0, lastResort: false, using: entropy))
                }
            }
            Issue.record("400 KEM prekeys fit in a capped file")
        } catch {
            #expect(storeErrorCode(error) == .diskFull)
        }
        try await alice.store.transaction(.device) { t in _ = try Int.fetchOne(t.database, sql: "PRAGMA max_page_count = 1073741823") }
        #expect(try await alice.store.transaction(.device) { t in try t.kemPreKey(id: KEMPreKeyID(1000)) } == nil)
        #expect(try await bob.receive(try await alice.send("after", to: bob), from: alice) == "after")
    }

    @Test("two connections on one file (as an app and its extension) never share a counter")
    func twoConnections() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 26)
        let app = alice.cipher(for: bob)
        let extensionStore = try SQLiteStore(path: alice.path, storageKey: alice.storageKey)
        let other = SessionCipher(store: extensionStore, address: bob.address)
        let messages = try await withThrowingTaskGroup(of: CiphertextMessage.self) { group in
            for i in 0..<30 {
                group.addTask { try await (i % 2 == 0 ? app : other).encrypt(Array("m\(i)".utf8)) }
            }
            var all: [CiphertextMessage] = []
            for try await message in group { all.append(message) }
            return all
        }
        let counters = messages.map { message -> UInt32 in
            if case .signal(let signal) = message { return signal.counter }
            return UInt32.max
        }
        #expect(Set(counters).count == 30)
        var received: Set<String> = []
        for message in messages { received.insert(try await bob.receive(message, from: alice)) }
        #expect(received.count == 30)
    }

    @Test("receive-then-store: the app's row commits with the ratchet step, or neither does")
    func exactlyOnceWithAppTable() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 28)
        try await bob.store.transaction(.device) { t in
            try t.database.execute(sql: "CREATE TABLE inbox (sender TEXT NOT NULL, body BLOB NOT NULL)")
        }
        let message = try await alice.send("exactly once", to: bob)
        struct Refused: Error {}
        let cipher = bob.cipher(for: alice)
        await #expect(throws: SessionError.self) {
            try await cipher.decrypt(message.serialized, kind: message.kind) { t, decrypted in
                try t.database.execute(sql: "INSERT INTO inbox VALUES (?, ?)", arguments: ["alice", Data(decrypted.plaintext)])
                throw Refused()
            }
        }
        let count = { try await bob.store.transaction(.device) { t in try Int.fetchOne(t.database, sql: "SELECT count(*) FROM inbox") ?? -1 } }
        #expect(try await count() == 0)
        try await cipher.decrypt(message.serialized, kind: message.kind) { t, decrypted in
            try t.database.execute(sql: "INSERT INTO inbox VALUES (?, ?)", arguments: ["alice", Data(decrypted.plaintext)])
        }
        #expect(try await count() == 1)
        await #expect(throws: SessionError(.duplicateMessage, "")) {
            try await cipher.decrypt(message.serialized, kind: message.kind) { t, decrypted in
                try t.database.execute(sql: "INSERT INTO inbox VALUES (?, ?)", arguments: ["alice", Data(decrypted.plaintext)])
            }
        }
        #expect(try await count() == 1)
    }

    @Test("groups persist: a sender key distributed, used, and read after both sides restart")
    func senderKeysPersist() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 30)
        let group = Array(repeating: UInt8(3), count: 16)
        let distribution = try await GroupCipher(store: alice.store, localAddress: alice.address).distributionMessage(for: group)
        try await GroupCipher(store: bob.store, localAddress: bob.address).process(distribution.serialized, from: alice.address, groupID: group)
        let (alice2, bob2) = (try alice.reopened(), try bob.reopened())
        let sent = try await GroupCipher(store: alice2.store, localAddress: alice2.address).encrypt(Array("to the group".utf8), groupID: group)
        let read = try await GroupCipher(store: bob2.store, localAddress: bob2.address).decrypt(sent.serialized, from: alice.address, groupID: group)
        #expect(read == Array("to the group".utf8))
    }

    @Test("cipher operations before a local identity exists fail with noLocalIdentity")
    func noLocalIdentity() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("empty.sqlite"), storageKey: SymmetricKey256())
        let bob = try await SQLiteDevice.create("bob", in: directory, seed: 32)
        do {
            try await SessionCipher(store: store, address: bob.address).process(try await bob.bundle())
            Issue.record("processed a bundle without a local identity")
        } catch {
            #expect(storeErrorCode(error) == .noLocalIdentity)
        }
        let other = IdentityKeyPair.generate()
        try await store.createLocalIdentity(other, registrationID: RegistrationID(rawValue: 7)!)
        try await store.createLocalIdentity(other, registrationID: RegistrationID(rawValue: 7)!)
        await #expect(throws: StoreError(.idCollision, "")) { try await store.createLocalIdentity(IdentityKeyPair.generate(), registrationID: RegistrationID(rawValue: 7)!) }
    }
}
