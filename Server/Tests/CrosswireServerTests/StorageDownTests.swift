import Crosswire
@testable import CrosswireServerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Storage that is down: every call fails as a database that cannot be reached would.
struct DownStorage: DirectoryStorage {
    func fail<T>() throws(StorageError) -> T { throw StorageError(.unavailable, "the database is down") }
    func createAccount(_ account: AccountRow, primary: DeviceRow, credential: [UInt8], identity: [UInt8]) async throws(StorageError) { try fail() as Void }
    func account(_ user: String) async throws(StorageError) -> (AccountRow, [DeviceRow])? { try fail() }
    func replaceList(_ account: AccountRow, devices: [DeviceRow], expectedVersion: UInt64) async throws(StorageError) { try fail() as Void }
    func device(forCredential hash: [UInt8]) async throws(StorageError) -> (user: String, device: Int, identity: [UInt8])? { try fail() }
    func storeKeys(_ keys: KeyUpload, user: String, device: Int, identity: [UInt8]) async throws(StorageError) { try fail() as Void }
    func claimBundles(user: String, devices: [Int]) async throws(StorageError) -> [BundleRow]? { try fail() }
    func enqueue(_ envelopes: [QueuedEnvelope], user: String, listVersion: UInt64, cap: Int) async throws(StorageError) { try fail() as Void }
    func pending(user: String, device: Int, limit: Int) async throws(StorageError) -> (envelopes: [[UInt8]], more: Bool) { try fail() }
    func acknowledge(_ messageIDs: [[UInt8]], user: String, device: Int) async throws(StorageError) { try fail() as Void }
    func createLink(_ link: LinkRow) async throws(StorageError) { try fail() as Void }
    func link(_ code: String) async throws(StorageError) -> LinkRow? { try fail() }
    func approveLink(_ code: String, approval: [[UInt8]], credential: [UInt8], token: String, device: Int, identity: [UInt8]) async throws(StorageError) {
        try fail() as Void
    }
    func collectLinkToken(_ code: String) async throws(StorageError) -> String? { try fail() }
    func attestLink(_ code: String, attestation: [UInt8]) async throws(StorageError) { try fail() as Void }
    func count(_ key: String, window: Int64, now: Int64) async throws(StorageError) -> Int { try fail() }
}

@Suite("Directory server with its storage down")
struct StorageDownTests {
    @Test("storage down is 503 with a problem, the one 5xx; a malformed request is still 400")
    func unavailable() async throws {
        let storage = DownStorage()
        let app = Application(router: try ServerApplication.router(DirectoryService(storage: storage, keys: .generate()), storage: storage))
        try await app.test(.router) { test in
            let (registerCode, body) = try await status(test, "/v1/users/whatsapp:alice/devices", .get, headers: [.authorization: "Bearer 00"])
            #expect(registerCode == 503 && body.contains("unavailable"), "\(body)")
            let (sealed, _) = try await status(test, "/v1/messages/whatsapp:alice", .put,
                                               json: "{\"messages\":[{\"device_id\":1,\"registration_id\":1,\"envelope\":\"AAAA\"}]}")
            #expect(sealed == 503)
            let (malformed, _) = try await status(test, "/v1/accounts", .post, json: "{")
            #expect(malformed == 400)
        }
    }
}
