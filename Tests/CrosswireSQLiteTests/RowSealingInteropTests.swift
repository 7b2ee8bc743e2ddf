@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
import GRDB
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// The at-rest format checked by an implementation that is not Crosswire: Python's `cryptography`
/// (in the axolotl peer's venv, where python-axolotl depends on it) runs scripts/checks/sqlite_row_seal.py.
@Suite("Row sealing, checked with Python's cryptography", .enabled(if: PeerEnvironment.shouldRun(peers: ["axolotl"])))
struct RowSealingInteropTests {
    private func python(_ request: [String: Any]) throws -> [String: String] {
        let missing = PeerEnvironment.missing(peers: ["axolotl"])
        try #require(missing.isEmpty, "cannot check the row format: missing \(missing)")
        let input = try JSONSerialization.data(withJSONObject: request)
        let (status, output) = PeerEnvironment.run(PeerEnvironment.python("axolotl").path, ["scripts/checks/sqlite_row_seal.py"], input: input)
        try #require(status == 0, "sqlite_row_seal.py failed: \(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
    }

    @Test("Python opens a session row Crosswire sealed, and Crosswire reads an identity row Python sealed")
    func bothDirections() async throws {
        let directory = try TemporaryDirectory()
        let (alice, bob) = try await sqlitePair(in: directory, seed: 40)
        let queue = try DatabaseQueue(path: alice.path)
        let (salt, sealed) = try await queue.read { db in
            (try Data.fetchOne(db, sql: "SELECT value FROM crosswire_meta WHERE name = 'salt'")!,
             try Data.fetchOne(db, sql: "SELECT sealed FROM crosswire_sessions WHERE name = 'bob' AND device = 1")!)
        }
        let key = Hex.encode(alice.storageKey.rawRepresentation.unprotectedBytes)
        let opened = try python(["op": "open", "storage_key": key, "salt": Hex.encode(Array(salt)), "table": "crosswire_sessions",
                                 "name": "bob", "device": 1, "sealed": Hex.encode(Array(sealed))])
        let record = try #require(try await alice.store.transaction(.device) { t in try t.session(for: bob.address) })
        #expect(opened["plaintext"] == Hex.encode(record.serialized))

        let carol = IdentityKeyPair.generate().identityKey
        let sealedByPython = try python(["op": "seal", "storage_key": key, "salt": Hex.encode(Array(salt)), "table": "crosswire_identities",
                                         "name": "carol", "device": 3, "plaintext": Hex.encode(carol.serialized)])
        let bytes = try Hex.decode(try #require(sealedByPython["sealed"]))
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO crosswire_identities (name, device, sealed) VALUES ('carol', 3, ?)", arguments: [Data(bytes)])
        }
        let read = try await alice.store.transaction(.device) { t in try t.identity(for: ProtocolAddress(name: "carol", deviceID: DeviceID(3))) }
        #expect(read == carol)
    }
}
