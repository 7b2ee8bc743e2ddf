import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
import CrosswireWire
import GRDB

/// Where `crosswire interop --database DIR` keeps its parties: one `SQLiteStore` file per party in DIR
/// (`party-<hex of the name>.sqlite`), all sealed under one storage key, by default in the file
/// `DIR.key` next to DIR (created with mode 0600). The party's device id and group layouts live in
/// two small tables of its own file.
public struct PartyDatabase: Sendable {
    /// The directory of party files.
    public let directory: String
    let storageKey: SymmetricKey256

    static let schema = """
        CREATE TABLE IF NOT EXISTS interop_party (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), device INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS interop_groups (group_hex TEXT PRIMARY KEY NOT NULL, layout TEXT NOT NULL);
        """

    /// Opens (creating) `directory` and the storage key: `storageKeyFile`, or `directory.key`.
    public init(directory: String, storageKeyFile: String? = nil) throws {
        var trimmed = directory
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        try FileManager.default.createDirectory(atPath: trimmed, withIntermediateDirectories: true)
        self.directory = trimmed
        storageKey = try StorageKeyFile.loadOrCreate(at: storageKeyFile ?? trimmed + ".key")
    }

    func path(of name: String) -> String { directory + "/party-" + Hex.encode(Array(name.utf8)) + ".sqlite" }

    /// The party `name`: reopened from its file when it exists (`existing` true, its own device and
    /// registration ids kept), else created with a new identity.
    func open(name: String, deviceID: DeviceID, registrationID: RegistrationID) async throws -> (InteropServer.Party, existing: Bool) {
        let store = try SQLiteStore(path: path(of: name), storageKey: storageKey, options: .init(trustPolicy: .refuseChanges))
        let existing = store.localIdentity != nil
        if !existing {
            try await store.createLocalIdentity(IdentityKeyPair.generate(), registrationID: registrationID)
        }
        guard let local = store.localIdentity else { throw StoreError(.noLocalIdentity, "party \(name) has no identity") }
        let (device, layouts) = try await store.transaction(.device) { t -> (DeviceID, [String: SenderKeyLayout]) in
            try t.database.execute(sql: Self.schema)
            let stored = try Int64.fetchOne(t.database, sql: "SELECT device FROM interop_party WHERE singleton = 1")
            if stored == nil {
                try t.database.execute(sql: "INSERT INTO interop_party (singleton, device) VALUES (1, ?)", arguments: [Int64(deviceID.rawValue)])
            }
            var layouts: [String: SenderKeyLayout] = [:]
            for row in try Row.fetchAll(t.database, sql: "SELECT group_hex, layout FROM interop_groups") {
                layouts[row["group_hex"]] = SenderKeyLayout(rawValue: row["layout"])
            }
            return (stored.map { DeviceID(UInt32(truncatingIfNeeded: $0)) } ?? deviceID, layouts)
        }
        let party = InteropServer.Party(name: name, deviceID: device, registrationID: local.registrationID, identity: local.identity,
                                        store: store, groupLayouts: layouts)
        return (party, existing)
    }

    /// Keeps a group's layout in the party's file.
    static func remember(_ layout: SenderKeyLayout, of group: String, in store: SQLiteStore) async throws {
        try await store.transaction(.device) { t in
            try t.database.execute(sql: "INSERT OR REPLACE INTO interop_groups (group_hex, layout) VALUES (?, ?)", arguments: [group, layout.rawValue])
        }
    }
}
