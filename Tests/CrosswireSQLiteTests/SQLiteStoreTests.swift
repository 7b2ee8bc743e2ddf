import CrosswireCrypto
import CrosswireSQLite
import Foundation
import Testing
@testable import Crosswire

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
}
