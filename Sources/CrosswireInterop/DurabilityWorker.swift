import Crosswire
import CrosswireCrypto
import CrosswireSQLite
import CrosswireWire
import Foundation
import GRDB

/// The child process of the crash-safety test (`crosswire durability-worker`): Alice and Bob, each in
/// a `SQLiteStore` file in one directory, send each other messages and deliver them, while short-lived
/// peers start sessions with Bob on his one-time prekeys. Every send and every receipt commits the
/// app's row (outbox, inbox) in the same transaction as the ratchet step, and only then prints its
/// acknowledgement line; the parent kills the process at random points and checks the files against
/// what was acknowledged. Run again on the same directory, it carries on where the files say.
public struct DurabilityWorker: Sendable {
    /// Where alice.sqlite, bob.sqlite and storage.key live.
    public let directory: String

    /// A worker on `directory` (created if needed).
    public init(directory: String) {
        self.directory = directory
    }

    static let alice = ProtocolAddress(name: "alice", deviceID: DeviceID(1))
    static let bob = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
    static let maintenancePolicy = PreKeyPolicy(oneTimeMinimum: 5, oneTimeBatch: 20, postQuantum: false)

    /// The app tables each file gets beside the store's own.
    static let appSchema = """
        CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, body TEXT NOT NULL,
            kind INTEGER NOT NULL, ciphertext BLOB NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS inbox (sender TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, prekey INTEGER);
        CREATE TABLE IF NOT EXISTS claimed (prekey INTEGER PRIMARY KEY NOT NULL);
        """

    /// Opens both devices, creating identities, prekeys and the session on first use.
    public func open() async throws -> (alice: SQLiteStore, bob: SQLiteStore) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = try StorageKeyFile.loadOrCreate(at: directory + "/storage.key")
        let alice = try SQLiteStore(path: directory + "/alice.sqlite", storageKey: key)
        let bob = try SQLiteStore(path: directory + "/bob.sqlite", storageKey: key)
        for store in [alice, bob] {
            if store.localIdentity == nil {
                try await store.createLocalIdentity(IdentityKeyPair.generate(), registrationID: RegistrationID.generate())
            }
            try await store.transaction(.device) { t in try t.database.execute(sql: Self.appSchema) }
        }
        let maintenance = DeviceMaintenance(store: bob, policy: Self.maintenancePolicy)
        _ = try await maintenance.run()
        if try await alice.transaction(.session(Self.bob), { t in try t.session(for: Self.bob) }) == nil {
            try await SessionCipher(store: alice, address: Self.bob).process(try await Self.claimBundle(from: bob))
        }
        return (alice, bob)
    }

    /// Runs `operations` random operations (or, with `drain`, delivers everything still undelivered and
    /// stops), printing one acknowledgement line per committed operation.
    public func run(operations: Int, drain: Bool) async throws {
        let (alice, bob) = try await open()
        let devices = [(Self.alice, alice), (Self.bob, bob)]
        acknowledge("ready")
        if drain {
            for (address, store) in devices {
                let peer = devices.first { $0.0 != address }!
                while try await deliver(from: (address, store), to: peer) {}
            }
            acknowledge("drained")
            return
        }
        for _ in 0..<operations {
            let roll = Int.random(in: 0..<100)
            let (from, to) = Bool.random() ? (devices[0], devices[1]) : (devices[1], devices[0])
            switch roll {
            case 0..<50: try await send(from: from, to: to)
            case 50..<95: _ = try await deliver(from: from, to: to)
            default: try await newPeerSession(with: bob)
            }
        }
    }

    /// Encrypts and stores the ciphertext in the sender's outbox in one transaction.
    private func send(from: (ProtocolAddress, SQLiteStore), to: (ProtocolAddress, SQLiteStore)) async throws {
        let body = "\(from.0.name)→\(to.0.name) \(UUID().uuidString)"
        let recipient = to.0.name
        let seq: Int64
        do {
            seq = try await SessionCipher(store: from.1, address: to.0).encrypt(Array(body.utf8)) { t, message in
                try t.database.execute(sql: "INSERT INTO outbox (recipient, body, kind, ciphertext) VALUES (?, ?, ?, ?)",
                                       arguments: [recipient, body, message.kind == .preKey ? 3 : 2, Data(message.serialized)])
                return t.database.lastInsertedRowID
            }
        } catch {
            // Bob has no session with Alice until her first message arrived.
            guard error.code == .noSession else { throw error }
            return
        }
        acknowledge("sent \(from.0.name) \(seq) \(body)")
    }

    /// Delivers the sender's oldest undelivered message: decrypt and store in the recipient's inbox in
    /// one transaction, then mark it delivered in the sender's file (a crash between the two redelivers
    /// it, and the recipient answers `duplicateMessage`). `false` when nothing was left.
    private func deliver(from: (ProtocolAddress, SQLiteStore), to: (ProtocolAddress, SQLiteStore)) async throws -> Bool {
        let recipient = to.0.name
        let pending = try await from.1.transaction(.device) { t in
            try Row.fetchOne(t.database, sql: "SELECT seq, kind, ciphertext FROM outbox WHERE delivered = 0 AND recipient = ? ORDER BY seq LIMIT 1",
                             arguments: [recipient]).map { ($0["seq"] as Int64, $0["kind"] as Int, Array($0["ciphertext"] as Data)) }
        }
        guard let (seq, kind, ciphertext) = pending else { return false }
        let sender = from.0.name
        do {
            try await SessionCipher(store: to.1, address: from.0).decrypt(ciphertext, kind: kind == 3 ? .preKey : .signal) { t, decrypted in
                try t.database.execute(sql: "INSERT INTO inbox (sender, seq, body) VALUES (?, ?, ?)",
                                       arguments: [sender, seq, String(decoding: decrypted.plaintext, as: UTF8.self)])
            }
            acknowledge("received \(to.0.name) \(sender) \(seq)")
        } catch {
            guard error.code == .duplicateMessage else { throw error }
            acknowledge("duplicate \(to.0.name) \(sender) \(seq)")
        }
        try await from.1.transaction(.device) { t in try t.database.execute(sql: "UPDATE outbox SET delivered = 1 WHERE seq = ?", arguments: [seq]) }
        return true
    }

    /// A short-lived peer takes one of Bob's one-time prekeys; Bob's receipt records which.
    private func newPeerSession(with bob: SQLiteStore) async throws {
        let peer = InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(), registrationID: RegistrationID.generate())
        let address = ProtocolAddress(name: "peer-\(UUID().uuidString.prefix(8))", deviceID: DeviceID(1))
        let maintenance = DeviceMaintenance(store: bob, policy: Self.maintenancePolicy)
        let bundle = try await Self.claimBundle(from: bob)
        guard let preKeyID = bundle.preKeyID else { return }
        try await SessionCipher(store: peer, address: Self.bob).process(bundle)
        let message = try await SessionCipher(store: peer, address: Self.bob).encrypt(Array("hello from \(address.name)".utf8))
        let name = address.name
        try await SessionCipher(store: bob, address: address).decrypt(message.serialized, kind: .preKey) { t, decrypted in
            try t.database.execute(sql: "INSERT INTO inbox (sender, seq, body, prekey) VALUES (?, 0, ?, ?)",
                                   arguments: [name, String(decoding: decrypted.plaintext, as: UTF8.self), Int64(preKeyID.rawValue)])
        }
        acknowledge("prekey bob \(name) \(preKeyID.rawValue)")
        _ = try await maintenance.run()
    }

    /// Bob's bundle with a one-time prekey no earlier bundle named, the claim committed in Bob's file:
    /// what a server does when it hands each one-time prekey out once.
    static func claimBundle(from bob: SQLiteStore) async throws -> PreKeyBundle {
        try await bob.transaction(.device) { t in
            let claimed = Set(try Int64.fetchAll(t.database, sql: "SELECT prekey FROM claimed"))
            let oneTime = try t.preKeyIDs().first { !claimed.contains(Int64($0.rawValue)) }.flatMap { try t.preKey(id: $0) }
            if let oneTime {
                try t.database.execute(sql: "INSERT INTO claimed (prekey) VALUES (?)", arguments: [Int64(oneTime.id.rawValue)])
            }
            guard let signed = try t.signedPreKeys().max(by: { $0.timestamp < $1.timestamp }) else {
                throw StoreError(.noLocalIdentity, "bob has no signed prekey")
            }
            return try PreKeyBundle(publishing: try t.identityKeyPair().identityKey, registrationID: try t.localRegistrationID(),
                                    deviceID: DeviceID(1), signedPreKey: signed, oneTimePreKey: oneTime)
        }
    }

    /// One line, written with a single unbuffered write after the commit it reports.
    private func acknowledge(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
