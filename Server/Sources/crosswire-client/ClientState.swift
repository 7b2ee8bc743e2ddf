import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireDirectoryClient
import CrosswireSQLite
import Foundation

/// What `crosswire-client` keeps in its state folder besides the encrypted device store: the server,
/// this device's credential and profile key, and the names of its groups. `state.json`, mode 0600.
struct ClientState: Codable {
    var server: String
    var device: String?
    var token: String?
    var profileKey: String
    var groups: [String: String] = [:]
    /// Other accounts' profile keys, learned from their messages: their access keys derive from them.
    var contacts: [String: String]? = [:]

    static func url(_ folder: URL) -> URL { folder.appendingPathComponent("state.json") }

    static func load(_ folder: URL) -> ClientState? {
        guard let data = try? Data(contentsOf: url(folder)) else { return nil }
        return try? JSONDecoder().decode(ClientState.self, from: data)
    }

    /// Written atomically: a crash leaves the old state or the new one.
    func save(_ folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = folder.appendingPathComponent(".state.json.tmp")
        FileManager.default.createFile(atPath: temporary.path, contents: try encoder.encode(self), attributes: [.posixPermissions: 0o600])
        guard rename(temporary.path, ClientState.url(folder).path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: ClientState.url(folder).path])
        }
    }
}

/// The device store in the state folder: `device.sqlite` sealed under `storage.key` (created with mode 0600).
enum DeviceStore {
    static func open(_ folder: URL) async throws -> SQLiteStore {
        let keyURL = folder.appendingPathComponent("storage.key")
        let key: SymmetricKey256
        if let text = try? String(contentsOf: keyURL, encoding: .utf8) {
            key = try SymmetricKey256(rawRepresentation: try Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else {
            let fresh = SymmetricKey256()
            FileManager.default.createFile(atPath: keyURL.path, contents: Data((fresh.withUnsafeBytes { Hex.encode(Array($0)) } + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
            key = fresh
        }
        let store = try SQLiteStore(path: folder.appendingPathComponent("device.sqlite").path, storageKey: key)
        let hasIdentity = (try? await store.transaction(.device) { t in try t.identityKeyPair() }) != nil
        if !hasIdentity { try await store.createLocalIdentity(.generate(), registrationID: .generate()) }
        try await store.transaction(.device) { t in
            try t.database.execute(sql: """
                CREATE TABLE IF NOT EXISTS cli_inbox (message_id BLOB PRIMARY KEY, sender TEXT NOT NULL, json TEXT NOT NULL,
                                                      shown INTEGER NOT NULL DEFAULT 0, seq INTEGER)
                """)
        }
        return store
    }
}
