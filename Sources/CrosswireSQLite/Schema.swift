import GRDB

/// The store's tables and their migrations. Every table is prefixed `crosswire_`, so an app can keep
/// its own tables in the same file and write them in the same transactions. Key columns (addresses,
/// ids, group ids) are plain, for lookups; every value column is sealed (``RowSealer``).
/// `PRAGMA user_version` holds the schema version, so a file from a newer build is refused before
/// anything is written.
enum Schema {
    /// The newest schema this build writes; each released version has a fixture database in the tests.
    static let version = 2

    static let meta = "crosswire_meta"
    static let localIdentity = "crosswire_local_identity"
    static let identities = "crosswire_identities"
    static let sessions = "crosswire_sessions"
    static let preKeys = "crosswire_prekeys"
    static let signedPreKeys = "crosswire_signed_prekeys"
    static let kemPreKeys = "crosswire_kem_prekeys"
    static let kemPreKeyUses = "crosswire_kem_prekey_uses"
    static let senderKeys = "crosswire_sender_keys"
    static let deviceLists = "crosswire_device_lists"
    static let groups = "crosswire_groups"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE \(meta) (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE \(localIdentity) (singleton INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1), sealed BLOB NOT NULL);
                CREATE TABLE \(identities) (name TEXT NOT NULL, device INTEGER NOT NULL, sealed BLOB NOT NULL,
                    PRIMARY KEY (name, device)) WITHOUT ROWID;
                CREATE TABLE \(sessions) (name TEXT NOT NULL, device INTEGER NOT NULL, sealed BLOB NOT NULL,
                    PRIMARY KEY (name, device)) WITHOUT ROWID;
                CREATE TABLE \(preKeys) (id INTEGER PRIMARY KEY NOT NULL, sealed BLOB NOT NULL);
                CREATE TABLE \(signedPreKeys) (id INTEGER PRIMARY KEY NOT NULL, sealed BLOB NOT NULL);
                CREATE TABLE \(kemPreKeys) (id INTEGER PRIMARY KEY NOT NULL, sealed BLOB NOT NULL);
                CREATE TABLE \(kemPreKeyUses) (kem_id INTEGER NOT NULL, signed_id INTEGER NOT NULL, base_key BLOB NOT NULL,
                    PRIMARY KEY (kem_id, signed_id, base_key)) WITHOUT ROWID;
                CREATE TABLE \(senderKeys) (group_id BLOB NOT NULL, name TEXT NOT NULL, device INTEGER NOT NULL, sealed BLOB NOT NULL,
                    PRIMARY KEY (group_id, name, device)) WITHOUT ROWID;
                PRAGMA user_version = 1;
                """)
        }
        // Version 2 (issue 15): the cross-app records, a device list per account and a record per group.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE \(deviceLists) (user TEXT PRIMARY KEY NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE \(groups) (group_id BLOB PRIMARY KEY NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID;
                PRAGMA user_version = 2;
                """)
        }
        return migrator
    }
}
