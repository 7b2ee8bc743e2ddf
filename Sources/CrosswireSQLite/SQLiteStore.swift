@_spi(Hazmat) import CrosswireCrypto
import Crosswire
import Foundation
import GRDB

/// A device's whole protocol state in one SQLite file (GRDB), every secret sealed at rest.
///
/// Each cipher operation is one `BEGIN IMMEDIATE` transaction on the file's single writer connection:
/// it excludes every other operation, in this process and in any other process on the same file (an
/// app and its notification extension), and commits the session, identity and prekey consumption
/// together. With the default ``Durability/full`` a commit is on disk before the cipher returns, so a
/// crash or power loss never brings back a used message key or one-time prekey.
///
/// Secret columns are sealed with AES-256-GCM under a key derived from the app's storage key (keep it
/// in the platform keychain) and the file's own salt, bound to their table and row key. See the
/// security model for what that does and does not protect.
public final class SQLiteStore: SignalProtocolStore, Sendable {
    /// How hard a commit waits for the disk.
    public enum Durability: Sendable, Equatable {
        /// `synchronous=FULL` (the default): a commit survives power loss. Required for the guarantee
        /// that a message key or one-time prekey is never used twice.
        case full
        /// `synchronous=NORMAL`: faster commits, still safe against an app crash, but a power loss can
        /// roll back the last commits — and with them an encrypt whose message already left, so the
        /// next encrypt reuses its message key. Opt in only where the disk cannot lose power.
        case normal
    }

    /// How the store is opened.
    public struct Options: Sendable, Equatable {
        /// ``Durability/full`` unless you accept its warning.
        public var durability: Durability
        /// Which identity changes the store accepts.
        public var trustPolicy: TrustPolicy
        /// How long a transaction waits for another connection's write lock before failing with `busy`.
        public var busyTimeout: Double

        /// Full durability, changed keys refused, a 5 s busy timeout.
        public init(durability: Durability = .full, trustPolicy: TrustPolicy = .refuseChanges, busyTimeout: Double = 5) {
            self.durability = durability
            self.trustPolicy = trustPolicy
            self.busyTimeout = busyTimeout
        }
    }

    /// The device's identity and registration id, once created.
    struct LocalIdentity: Sendable {
        let keyPair: IdentityKeyPair
        let registrationID: RegistrationID
    }

    /// The database file.
    public let path: String
    /// The options it was opened with.
    public let options: Options
    let pool: DatabasePool
    let sealer: RowSealer
    let local: Locked<LocalIdentity?>

    /// Opens the store at `path`, creating the file and its schema on first use. Fails with
    /// `wrongStorageKey` when `storageKey` is not the file's, `newerSchema` for a file a newer build
    /// wrote, `databaseFailure` for a file that is not a database; a failed open writes nothing.
    public init(path: String, storageKey: SymmetricKey256, options: Options = Options()) throws(StoreError) {
        self.path = path
        self.options = options
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "Crosswire"
        let synchronous = options.durability == .full ? "FULL" : "NORMAL"
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            let found = try pool.writeWithoutTransaction { db in
                // GRDB sets NORMAL for WAL; the writer connection is the only one that commits.
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                return try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            }
            guard found <= Schema.version else {
                throw StoreError(.newerSchema, "\(path) has schema version \(found); this build knows up to \(Schema.version)")
            }
            try Schema.migrator.migrate(pool)
            let (sealer, identity) = try pool.writeWithoutTransaction { db in
                var result: (RowSealer, LocalIdentity?)?
                try db.inTransaction(.immediate) {
                    result = try Self.unlock(db, storageKey: storageKey)
                    return .commit
                }
                return result!
            }
            self.pool = pool
            self.sealer = sealer
            self.local = Locked(identity)
        } catch {
            throw StoreError(error, "open \(path)")
        }
    }

    /// Reads (or, in a new file, creates) the salt and key check, derives the row key, loads the identity.
    private static func unlock(_ db: Database, storageKey: SymmetricKey256) throws -> (RowSealer, LocalIdentity?) {
        let check = Array("Crosswire storage key check".utf8)
        let salt: [UInt8]
        if let stored = try db.blob("SELECT value FROM \(Schema.meta) WHERE name = 'salt'") {
            salt = stored
        } else {
            salt = SecretBytes(randomCount: 32).unprotectedBytes
            try db.execute(sql: "INSERT INTO \(Schema.meta) (name, value) VALUES ('salt', ?)", arguments: [Data(salt)])
        }
        let sealer = RowSealer(storageKey: storageKey, salt: salt)
        if let sealed = try db.blob("SELECT value FROM \(Schema.meta) WHERE name = 'key_check'") {
            guard (try? sealer.open(sealed, for: .meta("key_check"))) == check else {
                throw StoreError(.wrongStorageKey, "the storage key does not open this store")
            }
        } else {
            try db.execute(sql: "INSERT INTO \(Schema.meta) (name, value) VALUES ('key_check', ?)",
                           arguments: [Data(sealer.seal(check, for: .meta("key_check")))])
        }
        let local = try db.blob("SELECT sealed FROM \(Schema.localIdentity) WHERE singleton = 1").map { sealed throws(StoreError) in
            try sealer.decode(sealed, for: .localIdentity, decodeLocalIdentity)
        }
        return (sealer, local)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction on the writer connection: committed (and, at
    /// full durability, synced) when it returns, rolled back when it throws. Database failures come
    /// back as `StoreError`s (`busy`, `diskFull`, `databaseFailure`); the body's own errors unchanged.
    public func transaction<Result: Sendable>(
        _ scope: TransactionScope, _ body: @Sendable (inout Transaction) throws -> Result
    ) async throws -> Result {
        let sealer = sealer, local = local.withLock { $0 }, policy = options.trustPolicy
        do {
            return try await pool.writeWithoutTransaction { db in
                var result: Result?
                try db.inTransaction(.immediate) {
                    var transaction = Transaction(database: db, sealer: sealer, local: local, trustPolicy: policy)
                    result = try body(&transaction)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw StoreError(error, "run a transaction")
        }
    }

    /// Stores this device's identity and registration id; once per file. Opening the same pair again is
    /// a no-op, another pair an `idCollision` (a device never silently changes identity).
    public func createLocalIdentity(_ identity: IdentityKeyPair, registrationID: RegistrationID) async throws(StoreError) {
        let sealer = sealer
        let created = LocalIdentity(keyPair: identity, registrationID: registrationID)
        do {
            try await pool.write { db in
                if let sealed = try db.blob("SELECT sealed FROM \(Schema.localIdentity) WHERE singleton = 1") {
                    let held = try sealer.decode(sealed, for: .localIdentity, decodeLocalIdentity)
                    guard held.keyPair.identityKey == identity.identityKey, held.registrationID == registrationID else {
                        throw StoreError(.idCollision, "this store already holds another local identity")
                    }
                    return
                }
                var plaintext = encodeLocalIdentity(created)
                try db.execute(sql: "INSERT INTO \(Schema.localIdentity) (singleton, sealed) VALUES (1, ?)",
                               arguments: [Data(sealer.seal(wiping: &plaintext, for: .localIdentity))])
            }
        } catch {
            throw StoreError(error, "create the local identity")
        }
        local.withLock { $0 = created }
    }

    /// The identity and registration id, once created.
    public var localIdentity: (identity: IdentityKeyPair, registrationID: RegistrationID)? {
        local.withLock { $0.map { ($0.keyPair, $0.registrationID) } }
    }

    /// The synchronous mode the writer connection runs with (2 = FULL, 1 = NORMAL), as SQLite reports it.
    public func synchronousMode() async throws(StoreError) -> Int {
        do {
            return try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw StoreError(error, "read the synchronous mode")
        }
    }
}

/// `registration id (4, big-endian) ‖ identity key pair record`.
func encodeLocalIdentity(_ local: SQLiteStore.LocalIdentity) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendUInt32(local.registrationID.rawValue)
    var pair = local.keyPair.serialized
    bytes += pair
    SecretBytes.wipe(&pair)
    return bytes
}

func decodeLocalIdentity(_ bytes: [UInt8]) throws -> SQLiteStore.LocalIdentity {
    guard bytes.count > 4 else { throw StoreError(.corruptRow, "the local identity row is truncated") }
    // Authenticated by its seal, so kept as written: a harness may have chosen an id outside 1...16380.
    let raw = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    return SQLiteStore.LocalIdentity(keyPair: try IdentityKeyPair(serialized: Array(bytes.dropFirst(4))), registrationID: RegistrationID(unchecked: raw))
}

extension StoreError {
    /// A database failure as a store error: busy, full, not a database, or anything else, naming what
    /// was being done. A `StoreError` passes through.
    init(_ error: any Error, _ doing: String) {
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let database = error as? DatabaseError else {
            self.init(.databaseFailure, "could not \(doing): \(error)", underlying: error)
            return
        }
        switch database.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self.init(.busy, "could not \(doing): another connection holds the write lock", underlying: database)
        case .SQLITE_FULL:
            self.init(.diskFull, "could not \(doing): the disk is full; nothing was written", underlying: database)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            self.init(.databaseFailure, "could not \(doing): the file is not a database or is corrupt", underlying: database)
        default:
            self.init(.databaseFailure, "could not \(doing): \(database.message ?? "SQLite error \(database.resultCode.rawValue)")", underlying: database)
        }
    }
}
