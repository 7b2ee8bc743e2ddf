import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireServerAPI
@testable import CrosswireServerCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OpenAPIRuntime
import Testing

/// The generated client over Hummingbird's in-process test client: every request goes through the
/// real router, middlewares and handlers.
struct RouterTransport: ClientTransport {
    let client: any TestClientProtocol

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var bytes: ByteBuffer?
        if let body { bytes = ByteBuffer(bytes: try await [UInt8](collecting: body, upTo: 16 * 1024 * 1024)) }
        let response = try await client.executeRequest(uri: request.path ?? "/", method: request.method, headers: request.headerFields, body: bytes)
        return (HTTPResponse(status: response.status, headerFields: response.headers), HTTPBody([UInt8](buffer: response.body)))
    }
}

/// A device of a test account: its keys and its credential.
struct TestDevice {
    let address: DeviceAddress
    let pair: IdentityKeyPair
    let registrationID: RegistrationID
    var token: String

    var bearer: HTTPFields { [.authorization: "Bearer \(token)"] }
}

func temporaryDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("crosswire-server-\(UUID().uuidString).sqlite").path
}

/// A server on a fresh SQLite file, and the generated client talking to it in-process.
func withServer(_ body: @escaping @Sendable (Client, any TestClientProtocol, SQLiteDirectoryStorage) async throws -> Void) async throws {
    let path = temporaryDatabase()
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    let storage = try SQLiteDirectoryStorage(path: path)
    var limits = DirectoryService.Limits()
    limits.bundleFetchesPerMinute = 40
    let service = DirectoryService(storage: storage, keys: .generate(), limits: limits)
    let app = Application(router: try ServerApplication.router(service, storage: storage))
    try await app.test(.router) { test in
        let client = Client(serverURL: URL(string: "http://localhost")!, transport: RouterTransport(client: test))
        try await body(client, test, storage)
    }
}

extension Client {
    /// Registers `user` with a fresh primary; returns the device with its token.
    func register(_ user: String, seed: UInt64) async throws -> TestDevice {
        let entropy = SeededEntropy(seed: seed)
        let pair = IdentityKeyPair.generate(using: entropy)
        let registration = RegistrationID(rawValue: UInt32(100 + seed % 1000))!
        let address = try UserAddress(parsing: user)
        let primary = try DeviceIdentity(user: address, deviceID: DeviceID(1), registrationID: registration, identityKey: pair.identityKey, addedAt: 1)
        let list = try DeviceList(user: address, version: 1, primary: primary, companions: []).signed(by: pair, using: entropy)
        let answer = try await registerAccount(body: .json(.init(user: user, registrationId: Int(registration.rawValue), identityKey: .init(pair.identityKey.serialized),
                                                                 deviceList: .init(list.serialized), accessKey: .init([UInt8](repeating: 7, count: 16)))))
        let credential = try answer.created.body.json
        return TestDevice(address: try DeviceAddress(parsing: credential.device), pair: pair, registrationID: registration, token: credential.token)
    }
}

func status(_ test: any TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method, headers: HTTPFields = [:], json: String? = nil) async throws -> (Int, String) {
    var fields = headers
    if json != nil { fields[.contentType] = "application/json" }
    let response = try await test.executeRequest(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    return (response.status.code, String(buffer: response.body))
}

@Suite("Directory server: accounts, keys, bundles, queues, and the 4xx rules")
struct ServerTests {
    @Test("register, read the list and the trust root; a second registration is 409; bad requests are 4xx with a problem")
    func registration() async throws {
        try await withServer { client, test, _ in
            let alice = try await client.register("whatsapp:alice", seed: 1)
            #expect(alice.address.description == "whatsapp:alice/1")
            // The same account again: 409 with a problem, through the generated client and raw.
            await #expect(throws: (any Error).self) { _ = try await client.register("whatsapp:alice", seed: 1).token }
            let (dup, _) = try await status(test, "/v1/accounts", .post, json: "{\"user\":\"whatsapp:alice\"}")
            #expect(dup == 400)
            for (uri, method, json, expected) in [
                ("/v1/accounts", HTTPRequest.Method.post, "not json", 400), ("/v1/accounts", .post, "{}", 400),
                ("/v1/accounts", .post, "{\"user\":\"nocolon\",\"registration_id\":1,\"identity_key\":\"AA==\",\"device_list\":\"AA==\",\"access_key\":\"AA==\"}", 400),
                ("/v1/messages", .get, nil, 401), ("/v1/users/whatsapp:alice/devices", .get, nil, 401),
                ("/v1/nowhere", .get, nil, 404), ("/v1/accounts", .get, nil, 405), ("/v1/trust-root", .delete, nil, 405),
                ("/v1/messages?limit=false", .get, nil, 401),
            ] as [(String, HTTPRequest.Method, String?, Int)] {
                let (code, body) = try await status(test, uri, method, json: json)
                #expect(code == expected, "\(method) \(uri): \(code) \(body)")
            }
            let (wrong, body) = try await status(test, "/v1/messages", .get, headers: [.authorization: "Bearer 00"])
            #expect(wrong == 401 && body.contains("unauthorized"))
            let (listed, listBody) = try await status(test, "/v1/users/whatsapp:alice/devices", .get, headers: alice.bearer)
            #expect(listed == 200 && listBody.contains("device_list"))
            let (root, rootBody) = try await status(test, "/v1/trust-root", .get)
            #expect(root == 200 && rootBody.contains("trust_root"))
            let (missing, _) = try await status(test, "/v1/users/whatsapp:nobody/devices", .get, headers: alice.bearer)
            #expect(missing == 404)
        }
    }

    @Test("one-time prekeys are handed out exactly once under concurrent fetches; fetches are rate-limited")
    func prekeysOnce() async throws {
        try await withServer { client, test, _ in
            let bob = try await client.register("messenger:bob", seed: 2)
            let alice = try await client.register("whatsapp:alice", seed: 3)
            let entropy = SeededEntropy(seed: 9)
            let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bob.pair, timestamp: 0, using: entropy)
            let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(1), count: 20, using: entropy)
            let upload = Components.Schemas.PublishedKeys(
                identityKey: .init(bob.pair.identityKey.serialized), registrationId: Int(bob.registrationID.rawValue),
                signedPrekey: .init(id: 1, key: .init(signed.keyPair.publicKey.serialized), signature: .init(signed.signature)),
                oneTimePrekeys: oneTime.map { .init(id: Int($0.id.rawValue), key: .init($0.keyPair.publicKey.serialized)) }, kemPrekeys: [])
            _ = try await Client(serverURL: URL(string: "http://localhost")!, transport: Bearer(inner: RouterTransport(client: test), token: bob.token))
                .uploadKeys(body: .json(upload)).noContent
            let authed = Client(serverURL: URL(string: "http://localhost")!, transport: Bearer(inner: RouterTransport(client: test), token: alice.token))
            let handed = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        let bundles = try await authed.getBundles(path: .init(user: "messenger:bob"), query: .init(device: [1])).ok.body.json.bundles
                        return bundles[0].oneTimePrekey?.id
                    }
                }
                var ids: [Int?] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            let given = handed.compactMap { $0 }
            #expect(given.count == 20 && Set(given).count == 20, "handed \(given.sorted())")
            #expect(handed.filter { $0 == nil }.count == 10)
            // The 41st fetch within the minute is refused.
            var codes: [Int] = []
            for _ in 0..<12 { codes.append(try await status(test, "/v1/users/messenger:bob/bundles?device=1", .get, headers: alice.bearer).0) }
            #expect(codes.contains(429) && !codes.contains(where: { $0 >= 500 }))
        }
    }

    @Test("envelopes: all listed devices or 409, registration ids or 410, sealed sends need the access key, queues are per device")
    func messages() async throws {
        try await withServer { client, test, storage in
            let bob = try await client.register("messenger:bob", seed: 4)
            let alice = try await client.register("whatsapp:alice", seed: 5)
            func envelope(sealed: Bool, to device: Int = 1) throws -> [UInt8] {
                try Envelope(kind: sealed ? .sealedSenderV1 : .signalMessage, recipient: DeviceAddress(parsing: "messenger:bob/\(device)"),
                             sender: sealed ? nil : alice.address, messageID: .random(), ciphertext: [0x33, 1, 2, 3]).serialized
            }
            func submission(_ bytes: [UInt8], device: Int = 1, registration: Int? = nil) -> String {
                "{\"messages\":[{\"device_id\":\(device),\"registration_id\":\(registration ?? Int(bob.registrationID.rawValue)),\"envelope\":\"\(Data(bytes).base64EncodedString())\"}]}"
            }
            let (ok, okBody) = try await status(test, "/v1/messages/messenger:bob", .put, headers: alice.bearer, json: submission(try envelope(sealed: false)))
            #expect(ok == 200, "\(okBody)")
            let (mismatch, body409) = try await status(test, "/v1/messages/messenger:bob", .put, headers: alice.bearer,
                                                       json: submission(try envelope(sealed: false, to: 2), device: 2))
            #expect(mismatch == 409 && body409.contains("\"missing\":[1]") && body409.contains("\"extra\":[2]"), "\(body409)")
            let (stale, body410) = try await status(test, "/v1/messages/messenger:bob", .put, headers: alice.bearer,
                                                    json: submission(try envelope(sealed: false), registration: 9999))
            #expect(stale == 410 && body410.contains("\"stale\":[1]"), "\(body410)")
            let sealed = submission(try envelope(sealed: true))
            #expect(try await status(test, "/v1/messages/messenger:bob", .put, json: sealed).0 == 401)
            #expect(try await status(test, "/v1/messages/messenger:bob", .put, headers: [HTTPField.Name("Unidentified-Access-Key")!: Data(repeating: 1, count: 16).base64EncodedString()], json: sealed).0 == 401)
            #expect(try await status(test, "/v1/messages/messenger:bob", .put, headers: [HTTPField.Name("Unidentified-Access-Key")!: Data(repeating: 7, count: 16).base64EncodedString()], json: sealed).0 == 200)
            // An unsealed envelope naming another sender is refused.
            let forged = try Envelope(kind: .signalMessage, recipient: DeviceAddress(parsing: "messenger:bob/1"), sender: DeviceAddress(parsing: "instagram:carol/1"),
                                      messageID: .random(), ciphertext: [0x33]).serialized
            #expect(try await status(test, "/v1/messages/messenger:bob", .put, headers: alice.bearer, json: submission(forged)).0 == 403)
            #expect(try await status(test, "/v1/messages/messenger:bob", .put, headers: alice.bearer, json: "{\"messages\":[{\"device_id\":1,\"registration_id\":1,\"envelope\":\"AAAA\"}]}").0 == 400)
            // Bob's queue holds the two accepted envelopes; Alice's queue is her own (empty).
            let queuedForBob = try await queued(test, token: bob.token)
            #expect(queuedForBob.count == 2)
            let aliceQueue = try await queued(test, token: alice.token)
            #expect(aliceQueue.isEmpty)
            let ids = try queuedForBob.map { try Envelope(serialized: $0).messageID.rawRepresentation }
            let ack = "{\"message_ids\":[\(ids.map { "\"\(Data($0).base64EncodedString())\"" }.joined(separator: ","))]}"
            // Alice acknowledging Bob's ids touches only her own queue: Bob's is unchanged.
            #expect(try await status(test, "/v1/messages/acknowledgements", .post, headers: alice.bearer, json: ack).0 == 204)
            #expect(try await queued(test, token: bob.token).count == 2)
            #expect(try await status(test, "/v1/messages/acknowledgements", .post, headers: bob.bearer, json: ack).0 == 204)
            #expect(try await queued(test, token: bob.token).isEmpty)
            _ = storage
        }
    }

    @Test("numbers out of range are 400, never a trap: registration ids, device ids, prekey ids, list versions")
    func ranges() async throws {
        try await withServer { client, test, _ in
            let bob = try await client.register("messenger:bob", seed: 21)
            let entropy = SeededEntropy(seed: 22)
            let pair = IdentityKeyPair.generate(using: entropy)
            let user = try UserAddress(parsing: "whatsapp:eve")
            for (registration, version) in [(-1, UInt64(1)), (Int(Int32.max) * 4, 1), (100, UInt64.max)] {
                let primary = try DeviceIdentity(user: user, deviceID: DeviceID(1), registrationID: RegistrationID(rawValue: 100)!, identityKey: pair.identityKey, addedAt: 1)
                let list = try DeviceList(user: user, version: version, primary: primary, companions: []).signed(by: pair, using: entropy)
                let json = "{\"user\":\"whatsapp:eve\",\"registration_id\":\(registration),\"identity_key\":\"\(Data(pair.identityKey.serialized).base64EncodedString())\",\"device_list\":\"\(Data(list.serialized).base64EncodedString())\",\"access_key\":\"\(Data(repeating: 1, count: 16).base64EncodedString())\"}"
                let (code, body) = try await status(test, "/v1/accounts", .post, json: json)
                #expect(code == 400, "registration \(registration), version \(version): \(code) \(body)")
            }
            for uri in ["/v1/users/messenger:bob/bundles?device=-1", "/v1/users/messenger:bob/bundles?device=99999999999"] {
                let (code, _) = try await status(test, uri, .get, headers: bob.bearer)
                #expect(code == 400, "\(uri)")
            }
            let keys = "{\"identity_key\":\"\(Data(bob.pair.identityKey.serialized).base64EncodedString())\",\"registration_id\":\(bob.registrationID.rawValue),\"one_time_prekeys\":[{\"id\":-5,\"key\":\"\(Data(ECKeyPair.generate().publicKey.serialized).base64EncodedString())\"}],\"kem_prekeys\":[]}"
            #expect(try await status(test, "/v1/keys", .put, headers: bob.bearer, json: keys).0 == 400)
            let send = "{\"messages\":[{\"device_id\":1,\"registration_id\":-1,\"envelope\":\"AAAA\"}]}"
            #expect(try await status(test, "/v1/messages/messenger:bob", .put, headers: bob.bearer, json: send).0 == 400)
        }
    }

    @Test("a body over the cap is 413, not read")
    func bodyCap() async throws {
        try await withServer { _, test, _ in
            let huge = "{\"user\":\"" + String(repeating: "a", count: ServerApplication.maximumBodyCount) + "\"}"
            let (code, _) = try await status(test, "/v1/accounts", .post, json: huge)
            #expect(code == 413)
        }
    }

    @Test("what was acknowledged as queued survives closing and reopening the database")
    func durable() async throws {
        let path = temporaryDatabase()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let storage = try SQLiteDirectoryStorage(path: path)
            try await storage.createAccount(AccountRow(user: "whatsapp:a", list: [1], version: 1, primaryIdentity: [2], accessKey: [3]),
                                            primary: DeviceRow(device: 1, registrationID: 5, identityKey: [2]), credential: [9], identity: [2])
            try await storage.enqueue([QueuedEnvelope(device: 1, messageID: [1], envelope: [4, 5])], user: "whatsapp:a", listVersion: 1, cap: 10)
            await #expect(throws: StorageError.self) {
                try await storage.enqueue([QueuedEnvelope(device: 1, messageID: [2], envelope: [4])], user: "whatsapp:a", listVersion: 2, cap: 10)
            }
        }
        let reopened = try SQLiteDirectoryStorage(path: path)
        let (pending, more) = try await reopened.pending(user: "whatsapp:a", device: 1, limit: 10)
        #expect(pending == [[4, 5]] && !more)
        #expect(try await reopened.device(forCredential: [9])?.device == 1)
    }
}

/// Adds a bearer token to every request.
struct Bearer: ClientTransport {
    let inner: any ClientTransport
    let token: String

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await inner.send(request, body: body, baseURL: baseURL, operationID: operationID)
    }
}

/// The envelopes queued for the device with `token`.
func queued(_ test: any TestClientProtocol, token: String) async throws -> [[UInt8]] {
    let (code, body) = try await status(test, "/v1/messages", .get, headers: [.authorization: "Bearer \(token)"])
    try #require(code == 200, "\(body)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    return (object["envelopes"] as? [String] ?? []).map { [UInt8](Data(base64Encoded: $0) ?? Data()) }
}
