import Foundation
import GRDB

/// The embedded default: one SQLite file in WAL mode with `synchronous = FULL`, so a transaction the
/// server acknowledged survives a kill -9 and a power loss. Writes are IMMEDIATE transactions on GRDB's
/// single writer; one-time prekeys are claimed inside one, so no two requests get the same key.
public final class SQLiteDirectoryStorage: DirectoryStorage {
    let pool: DatabasePool

    /// Opens (creating and migrating) the database at `path`.
    public init(path: String) throws(StorageError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "crosswire-server"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
        } catch {
            throw StorageError(.unavailable, "open \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (user TEXT PRIMARY KEY, list BLOB NOT NULL, version INTEGER NOT NULL,
                                       primary_identity BLOB NOT NULL, access_key BLOB NOT NULL);
                CREATE TABLE devices (user TEXT NOT NULL REFERENCES accounts(user), device INTEGER NOT NULL,
                                      registration_id INTEGER NOT NULL, identity_key BLOB NOT NULL, PRIMARY KEY (user, device));
                CREATE TABLE credentials (hash BLOB PRIMARY KEY, user TEXT NOT NULL, device INTEGER NOT NULL);
                CREATE INDEX credentials_device ON credentials (user, device);
                CREATE TABLE signed_prekeys (user TEXT NOT NULL, device INTEGER NOT NULL, id INTEGER NOT NULL, key BLOB NOT NULL,
                                             signature BLOB NOT NULL, PRIMARY KEY (user, device));
                CREATE TABLE one_time_prekeys (user TEXT NOT NULL, device INTEGER NOT NULL, id INTEGER NOT NULL, key BLOB NOT NULL,
                                               seq INTEGER PRIMARY KEY AUTOINCREMENT, UNIQUE (user, device, id));
                CREATE TABLE kem_prekeys (user TEXT NOT NULL, device INTEGER NOT NULL, id INTEGER NOT NULL, key BLOB NOT NULL,
                                          signature BLOB NOT NULL, last_resort INTEGER NOT NULL,
                                          seq INTEGER PRIMARY KEY AUTOINCREMENT, UNIQUE (user, device, id));
                CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, device INTEGER NOT NULL,
                                       message_id BLOB NOT NULL, envelope BLOB NOT NULL, UNIQUE (user, device, message_id));
                CREATE INDEX messages_mailbox ON messages (user, device, seq);
                CREATE TABLE links (code TEXT PRIMARY KEY, user TEXT NOT NULL, registration_id INTEGER NOT NULL,
                                    identity_key BLOB NOT NULL, created_at INTEGER NOT NULL, approval BLOB, companion_token TEXT,
                                    collected INTEGER NOT NULL DEFAULT 0, attestation BLOB);
                CREATE TABLE rate_counts (key TEXT NOT NULL, window INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window));
                """)
        }
        // Credentials name the identity key they were issued for: a device id given to another device
        // does not inherit them.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE credentials ADD COLUMN identity_key BLOB NOT NULL DEFAULT x''")
        }
        return migrator
    }

    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StorageError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StorageError(.exists, "\(what): \(error.message ?? "constraint")")
        } catch {
            throw StorageError(.unavailable, "\(what): \(error)")
        }
    }

    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StorageError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StorageError(.unavailable, "\(what): \(error)")
        }
    }

    public func createAccount(_ account: AccountRow, primary: DeviceRow, credential: [UInt8], identity: [UInt8]) async throws(StorageError) {
        try await write("create \(account.user)") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE user = ?", arguments: [account.user]) == true {
                throw StorageError(.exists, "\(account.user) is registered")
            }
            try db.execute(sql: "INSERT INTO accounts (user, list, version, primary_identity, access_key) VALUES (?, ?, ?, ?, ?)",
                           arguments: [account.user, Data(account.list), Int64(account.version), Data(account.primaryIdentity), Data(account.accessKey)])
            try Self.insert(primary, user: account.user, db)
            try db.execute(sql: "INSERT INTO credentials (hash, user, device, identity_key) VALUES (?, ?, ?, ?)",
                           arguments: [Data(credential), account.user, primary.device, Data(identity)])
        }
    }

    static func insert(_ device: DeviceRow, user: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO devices (user, device, registration_id, identity_key) VALUES (?, ?, ?, ?)",
                       arguments: [user, device.device, device.registrationID, Data(device.identityKey)])
    }

    public func account(_ user: String) async throws(StorageError) -> (AccountRow, [DeviceRow])? {
        try await read("read \(user)") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE user = ?", arguments: [user]) else { return nil }
            let account = AccountRow(user: row["user"], list: [UInt8](row["list"] as Data), version: UInt64(row["version"] as Int64),
                                     primaryIdentity: [UInt8](row["primary_identity"] as Data), accessKey: [UInt8](row["access_key"] as Data))
            let devices = try Row.fetchAll(db, sql: "SELECT * FROM devices WHERE user = ? ORDER BY device", arguments: [user]).map { row in
                DeviceRow(device: row["device"], registrationID: row["registration_id"], identityKey: [UInt8](row["identity_key"] as Data))
            }
            return (account, devices)
        }
    }

    public func replaceList(_ account: AccountRow, devices: [DeviceRow], expectedVersion: UInt64) async throws(StorageError) {
        try await write("replace the list of \(account.user)") { db in
            guard let stored = try Int64.fetchOne(db, sql: "SELECT version FROM accounts WHERE user = ?", arguments: [account.user]),
                  UInt64(stored) == expectedVersion else {
                throw StorageError(.conflict, "the list of \(account.user) changed")
            }
            try db.execute(sql: "UPDATE accounts SET list = ?, version = ?, primary_identity = ? WHERE user = ?",
                           arguments: [Data(account.list), Int64(account.version), Data(account.primaryIdentity), account.user])
            let old = try Row.fetchAll(db, sql: "SELECT device, identity_key FROM devices WHERE user = ?", arguments: [account.user])
            var oldKeys: [Int: Data] = [:]
            for row in old { oldKeys[row["device"]] = row["identity_key"] }
            let listed = Set(devices.map(\.device))
            for (device, key) in oldKeys where !listed.contains(device) || devices.first(where: { $0.device == device })?.identityKey != [UInt8](key) {
                for table in ["signed_prekeys", "one_time_prekeys", "kem_prekeys"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE user = ? AND device = ?", arguments: [account.user, device])
                }
                if !listed.contains(device) {
                    try db.execute(sql: "DELETE FROM messages WHERE user = ? AND device = ?", arguments: [account.user, device])
                    try db.execute(sql: "DELETE FROM credentials WHERE user = ? AND device = ?", arguments: [account.user, device])
                }
            }
            // A listed id keeps only the credentials of the identity now listed there.
            for device in devices {
                try db.execute(sql: "DELETE FROM credentials WHERE user = ? AND device = ? AND identity_key != ?",
                               arguments: [account.user, device.device, Data(device.identityKey)])
            }
            try db.execute(sql: "DELETE FROM devices WHERE user = ?", arguments: [account.user])
            for device in devices { try Self.insert(device, user: account.user, db) }
        }
    }

    public func device(forCredential hash: [UInt8]) async throws(StorageError) -> (user: String, device: Int, identity: [UInt8])? {
        try await read("read a credential") { db in
            try Row.fetchOne(db, sql: "SELECT user, device, identity_key FROM credentials WHERE hash = ?", arguments: [Data(hash)])
                .map { ($0["user"], $0["device"], [UInt8]($0["identity_key"] as Data)) }
        }
    }

    public func storeKeys(_ keys: KeyUpload, user: String, device: Int, identity: [UInt8]) async throws(StorageError) {
        try await write("store keys of \(user)/\(device)") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM devices WHERE user = ? AND device = ? AND identity_key = ?",
                                    arguments: [user, device, Data(identity)]) == true else {
                throw StorageError(.conflict, "\(user)/\(device) is no longer listed with this identity")
            }
            if let signed = keys.signed {
                try db.execute(sql: "INSERT OR REPLACE INTO signed_prekeys (user, device, id, key, signature) VALUES (?, ?, ?, ?, ?)",
                               arguments: [user, device, signed.id, Data(signed.key), Data(signed.signature)])
            }
            for key in keys.oneTime {
                try db.execute(sql: "INSERT OR IGNORE INTO one_time_prekeys (user, device, id, key) VALUES (?, ?, ?, ?)",
                               arguments: [user, device, key.id, Data(key.key)])
            }
            if keys.kem.contains(where: \.lastResort) {
                try db.execute(sql: "DELETE FROM kem_prekeys WHERE user = ? AND device = ? AND last_resort = 1", arguments: [user, device])
            }
            for key in keys.kem {
                try db.execute(sql: "INSERT OR REPLACE INTO kem_prekeys (user, device, id, key, signature, last_resort) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [user, device, key.id, Data(key.key), Data(key.signature), key.lastResort])
            }
        }
    }

    public func claimBundles(user: String, devices: [Int]) async throws(StorageError) -> [BundleRow]? {
        do {
            return try await pool.write { db in
                var rows: [BundleRow] = []
                for device in devices {
                    guard let row = try Self.claim(user: user, device: device, db) else { throw NoKeys() }
                    rows.append(row)
                }
                return rows
            }
        } catch is NoKeys {
            return nil  // rolled back: nothing claimed
        } catch {
            throw StorageError(.unavailable, "claim bundles of \(user): \(error)")
        }
    }

    /// Thrown inside the claim transaction to roll it back when a device has no keys.
    struct NoKeys: Error {}

    static func claim(user: String, device: Int, _ db: Database) throws -> BundleRow? {
        guard let signed = try Row.fetchOne(db, sql: "SELECT id, key, signature FROM signed_prekeys WHERE user = ? AND device = ?",
                                                arguments: [user, device]) else { return nil }
            var bundle = BundleRow(signed: PreKeyRow(id: signed["id"], key: [UInt8](signed["key"] as Data), signature: [UInt8](signed["signature"] as Data)))
            if let row = try Row.fetchOne(db, sql: "SELECT seq, id, key FROM one_time_prekeys WHERE user = ? AND device = ? ORDER BY seq LIMIT 1",
                                          arguments: [user, device]) {
                try db.execute(sql: "DELETE FROM one_time_prekeys WHERE seq = ?", arguments: [row["seq"] as Int64])
                bundle.oneTime = PreKeyRow(id: row["id"], key: [UInt8](row["key"] as Data))
            }
            if let row = try Row.fetchOne(db, sql: """
                SELECT seq, id, key, signature, last_resort FROM kem_prekeys WHERE user = ? AND device = ?
                ORDER BY last_resort, seq LIMIT 1
                """, arguments: [user, device]) {
                let lastResort: Bool = row["last_resort"]
                if !lastResort { try db.execute(sql: "DELETE FROM kem_prekeys WHERE seq = ?", arguments: [row["seq"] as Int64]) }
                bundle.kem = PreKeyRow(id: row["id"], key: [UInt8](row["key"] as Data), signature: [UInt8](row["signature"] as Data), lastResort: lastResort)
            }
        return bundle
    }

    public func enqueue(_ envelopes: [QueuedEnvelope], user: String, listVersion: UInt64, cap: Int) async throws(StorageError) {
        try await write("queue for \(user)") { db in
            guard let stored = try Int64.fetchOne(db, sql: "SELECT version FROM accounts WHERE user = ?", arguments: [user]),
                  UInt64(stored) == listVersion else {
                throw StorageError(.conflict, "the list of \(user) changed")
            }
            for envelope in envelopes {
                let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE user = ? AND device = ?", arguments: [user, envelope.device]) ?? 0
                guard queued < cap else { throw StorageError(.queueFull, "\(user)/\(envelope.device) has \(queued) envelopes queued") }
                try db.execute(sql: "INSERT OR IGNORE INTO messages (user, device, message_id, envelope) VALUES (?, ?, ?, ?)",
                               arguments: [user, envelope.device, Data(envelope.messageID), Data(envelope.envelope)])
            }
        }
    }

    public func pending(user: String, device: Int, limit: Int) async throws(StorageError) -> (envelopes: [[UInt8]], more: Bool) {
        try await read("read the queue of \(user)/\(device)") { db in
            let rows = try Data.fetchAll(db, sql: "SELECT envelope FROM messages WHERE user = ? AND device = ? ORDER BY seq LIMIT ?",
                                         arguments: [user, device, limit + 1])
            return (rows.prefix(limit).map { [UInt8]($0) }, rows.count > limit)
        }
    }

    public func acknowledge(_ messageIDs: [[UInt8]], user: String, device: Int) async throws(StorageError) {
        try await write("acknowledge for \(user)/\(device)") { db in
            for id in messageIDs {
                try db.execute(sql: "DELETE FROM messages WHERE user = ? AND device = ? AND message_id = ?", arguments: [user, device, Data(id)])
            }
        }
    }

    public func createLink(_ link: LinkRow) async throws(StorageError) {
        try await write("create a link") { db in
            try db.execute(sql: "INSERT INTO links (code, user, registration_id, identity_key, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [link.code, link.user, link.registrationID, Data(link.identityKey), link.createdAt])
        }
    }

    public func link(_ code: String) async throws(StorageError) -> LinkRow? {
        try await read("read a link") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM links WHERE code = ?", arguments: [code]).map { row in
                let approval = (row["approval"] as Data?).map { Self.split([UInt8]($0)) }
                return LinkRow(code: row["code"], user: row["user"], registrationID: row["registration_id"], identityKey: [UInt8](row["identity_key"] as Data),
                               createdAt: row["created_at"], approval: approval, companionToken: row["companion_token"],
                               collected: row["collected"], attestation: (row["attestation"] as Data?).map { [UInt8]($0) })
            }
        }
    }

    public func approveLink(_ code: String, approval: [[UInt8]], credential: [UInt8], token: String, device: Int, identity: [UInt8]) async throws(StorageError) {
        try await write("approve a link") { db in
            try db.execute(sql: "UPDATE links SET approval = ?, companion_token = ? WHERE code = ? AND approval IS NULL",
                           arguments: [Data(Self.join(approval)), token, code])
            guard db.changesCount == 1 else { throw StorageError(.exists, "this link is approved already") }
            let user = try String.fetchOne(db, sql: "SELECT user FROM links WHERE code = ?", arguments: [code]) ?? ""
            try db.execute(sql: "INSERT INTO credentials (hash, user, device, identity_key) VALUES (?, ?, ?, ?)",
                           arguments: [Data(credential), user, device, Data(identity)])
        }
    }

    public func collectLinkToken(_ code: String) async throws(StorageError) -> String? {
        try await write("collect a link's credential") { db in
            guard let token = try String.fetchOne(db, sql: "SELECT companion_token FROM links WHERE code = ? AND collected = 0", arguments: [code]) else {
                return nil
            }
            try db.execute(sql: "UPDATE links SET companion_token = NULL, collected = 1 WHERE code = ?", arguments: [code])
            return token
        }
    }

    public func attestLink(_ code: String, attestation: [UInt8]) async throws(StorageError) {
        try await write("store a link's attestation") { db in
            try db.execute(sql: "UPDATE links SET attestation = ? WHERE code = ?", arguments: [Data(attestation), code])
        }
    }

    public func count(_ key: String, window: Int64, now: Int64) async throws(StorageError) -> Int {
        try await write("count \(key)") { db in
            let slot = now / window
            try db.execute(sql: "DELETE FROM rate_counts WHERE window < ?", arguments: [slot - 1])
            try db.execute(sql: "INSERT INTO rate_counts (key, window, count) VALUES (?, ?, 1) ON CONFLICT (key, window) DO UPDATE SET count = count + 1",
                           arguments: [key, slot])
            return try Int.fetchOne(db, sql: "SELECT count FROM rate_counts WHERE key = ? AND window = ?", arguments: [key, slot]) ?? 0
        }
    }

    /// Length-prefixed parts (u32 big-endian each), for the approval's three byte strings in one column.
    static func join(_ parts: [[UInt8]]) -> [UInt8] {
        parts.flatMap { part in withUnsafeBytes(of: UInt32(part.count).bigEndian, Array.init) + part }
    }

    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = [], offset = 0
        while offset + 4 <= bytes.count {
            let count = Int(bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            offset += 4
            guard offset + count <= bytes.count else { break }
            parts.append(Array(bytes[offset..<offset + count]))
            offset += count
        }
        return parts
    }
}
