import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireServerAPI
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// What a device keeps of its server account: its address and bearer token, and its account's access
/// key (what sealed senders present instead of a credential).
public struct DeviceCredential: Sendable, Codable, Equatable {
    public var device: String
    public var token: String

    public init(device: String, token: String) {
        self.device = device
        self.token = token
    }
}

/// `DeviceDirectory` over the server's HTTP API (SPEC §15), through the client generated from
/// `openapi.yaml`: the `CrossAppClient` runs unchanged against a real server. A first `publish` of an
/// account registers it; sealed submissions go with the recipient's access key when this directory
/// knows it, else with the device's own credential.
public actor HTTPDeviceDirectory: DeviceDirectory {
    let client: Client
    let token: TokenBox
    public private(set) var credential: DeviceCredential?
    /// This account's access key, sent at registration.
    let accessKey: [UInt8]
    /// Access keys of other accounts, learned out of band.
    var accessKeys: [UserAddress: [UInt8]] = [:]
    private var trustRootBytes: [UInt8]?

    /// A directory at `serverURL` over `transport`, as `credential` (nil before registering or linking).
    public init(serverURL: URL, transport: any ClientTransport, credential: DeviceCredential?, accessKey: [UInt8]) {
        let box = TokenBox(credential?.token)
        token = box
        client = Client(serverURL: serverURL, transport: transport, middlewares: [BearerMiddleware(token: box)])
        self.credential = credential
        self.accessKey = accessKey
    }

    /// The access key an account presents for sealed sends to it: HKDF of its profile key.
    public static func accessKey(profileKey: [UInt8]) -> [UInt8] {
        (try? HKDF.deriveKey(inputKeyMaterial: profileKey, info: Array("crosswire/unidentified-access-key".utf8), outputByteCount: 16).unprotectedBytes) ?? []
    }

    /// Remembers `user`'s access key for sealed sends.
    public func setAccessKey(_ key: [UInt8], for user: UserAddress) { accessKeys[user] = key }

    /// Whether sealed sends to `user` go without this device's credential.
    public func knowsAccessKey(for user: UserAddress) -> Bool { accessKeys[user] != nil }

    func adopt(_ credential: Components.Schemas.Credential) {
        let kept = DeviceCredential(device: credential.device, token: credential.token)
        self.credential = kept
        token.set(kept.token)
        trustRootBytes = Array(credential.trustRoot.data)
    }

    /// The trust root the server's certificates chain to: pinned by the client at registration.
    public func trustRoot() async throws(DirectoryError) -> ECPublicKey {
        if trustRootBytes == nil {
            let answer = try await call { try await client.getTrustRoot().ok.body.json }
            trustRootBytes = Array(answer.trustRoot.data)
        }
        do {
            return try ECPublicKey(serialized: trustRootBytes![...])
        } catch {
            throw DirectoryError(.unavailable, "the server's trust root is not a key")
        }
    }

    // MARK: DeviceDirectory

    public func publish(_ list: SignedDeviceList, for user: UserAddress) async throws(DirectoryError) {
        if credential == nil {
            let verified: VerifiedDeviceList
            do {
                verified = try list.verified(for: user)
            } catch {
                throw DirectoryError(.invalidRequest, "the list does not verify: \(error.reason)")
            }
            let primary = verified.devices[0]
            let answer = try await call {
                try await client.registerAccount(body: .json(.init(
                    user: user.description, registrationId: Int(primary.registrationID.rawValue), identityKey: .init(primary.identityKey.serialized),
                    deviceList: .init(list.serialized), accessKey: .init(accessKey)))).created.body.json
            }
            adopt(answer)
            return
        }
        _ = try await call {
            try await client.publishDeviceList(path: .init(user: user.description), body: .json(.init(deviceList: .init(list.serialized)))).noContent
        }
    }

    public func upload(_ keys: PublishedKeys, for device: DeviceAddress) async throws(DirectoryError) {
        let body = Components.Schemas.PublishedKeys(
            identityKey: .init(keys.identityKey.serialized), registrationId: Int(keys.registrationID.rawValue),
            signedPrekey: keys.signedPreKey.map { .init(id: Int($0.id.rawValue), key: .init($0.key.serialized), signature: .init($0.signature)) },
            oneTimePrekeys: keys.oneTimePreKeys.map { .init(id: Int($0.id.rawValue), key: .init($0.key.serialized)) },
            kemPrekeys: keys.kemPreKeys.map { .init(id: Int($0.id.rawValue), key: .init($0.key.serialized), signature: .init($0.signature), lastResort: $0.lastResort) })
        // The server takes at most 200 prekeys of each kind per request.
        _ = try await call { try await client.uploadKeys(body: .json(body)).noContent }
    }

    public func deviceList(for user: UserAddress) async throws(DirectoryError) -> SignedDeviceList {
        let answer = try await call { try await client.getDeviceList(path: .init(user: user.description)).ok.body.json }
        do {
            return try SignedDeviceList(serialized: Array(answer.deviceList.data))
        } catch {
            throw DirectoryError(.invalidRequest, "the server's list for \(user) does not decode: \(error.reason)")
        }
    }

    public func bundles(for user: UserAddress, devices: [DeviceID]) async throws(DirectoryError) -> [PreKeyBundle] {
        let answer = try await call {
            try await client.getBundles(path: .init(user: user.description), query: .init(device: devices.map { Int($0.rawValue) })).ok.body.json
        }
        var bundles: [PreKeyBundle] = []
        for bundle in answer.bundles {
            // Every id from the server is range-checked: a hostile account's numbers never trap here.
            guard let registrationID = Self.registration(bundle.registrationId), let deviceID = Self.device(bundle.deviceId),
                  let signedID = UInt32(exactly: bundle.signedPrekey.id), bundle.oneTimePrekey.map({ UInt32(exactly: $0.id) != nil }) ?? true,
                  bundle.kemPrekey.map({ UInt32(exactly: $0.id) != nil }) ?? true else {
                throw DirectoryError(.invalidRequest, "a bundle of \(user) carries an id out of range")
            }
            do {
                let identity = try IdentityKey(serialized: Array(bundle.identityKey.data))
                bundles.append(try PreKeyBundle(
                    registrationID: registrationID, deviceID: deviceID, identityKey: identity,
                    signedPreKeyID: SignedPreKeyID(signedID), signedPreKey: try ECPublicKey(serialized: bundle.signedPrekey.key.data),
                    signedPreKeySignature: Array(bundle.signedPrekey.signature.data),
                    preKeyID: bundle.oneTimePrekey.map { PreKeyID(UInt32($0.id)) }, preKey: try bundle.oneTimePrekey.map { try ECPublicKey(serialized: $0.key.data) },
                    kemPreKeyID: bundle.kemPrekey.map { KEMPreKeyID(UInt32($0.id)) }, kemPreKey: try bundle.kemPrekey.map { try MLKEMPublicKey(serialized: $0.key.data) },
                    kemPreKeySignature: bundle.kemPrekey.map { Array($0.signature.data) }))
            } catch {
                throw DirectoryError(.invalidRequest, "a bundle of \(user)/\(bundle.deviceId) does not verify: \(error)")
            }
        }
        return bundles
    }

    public func submit(_ messages: [OutgoingMessage], to user: UserAddress) async throws(DirectoryError) {
        let body = Components.Schemas.Submission(messages: messages.map {
            .init(deviceId: Int($0.envelope.recipient.device.rawValue), registrationId: Int($0.registrationID.rawValue), envelope: .init($0.envelope.serialized))
        })
        let sealed = messages.allSatisfy { $0.envelope.sender == nil }
        let key = sealed ? accessKeys[user] : nil
        let output: Operations.SendMessages.Output
        do {
            output = try await client.sendMessages(path: .init(user: user.description),
                                                   headers: .init(unidentifiedAccessKey: key.map { Data($0).base64EncodedString() }), body: .json(body))
        } catch {
            throw DirectoryError(.unavailable, "the server cannot be reached: \(error)", underlying: error)
        }
        switch output {
        case .ok: return
        case .conflict(let conflict):
            let problem = try Self.json { try conflict.body.json }
            throw DirectoryError(.mismatchedDevices, problem.reason, missing: problem.missing.compactMap(Self.device),
                                 extra: problem.extra.compactMap(Self.device))
        case .gone(let gone):
            let problem = try Self.json { try gone.body.json }
            throw DirectoryError(.staleDevices, problem.reason, stale: problem.stale.compactMap(Self.device))
        default:
            throw Self.failure(output)
        }
    }

    public func pending(for device: DeviceAddress) async throws(DirectoryError) -> [Envelope] {
        let answer = try await call { try await client.getMessages(query: .init(limit: 500)).ok.body.json }
        var envelopes: [Envelope] = []
        for bytes in answer.envelopes {
            guard let envelope = try? Envelope(serialized: Array(bytes.data)) else { continue }
            envelopes.append(envelope)
        }
        return envelopes
    }

    public func acknowledge(_ ids: [MessageID], for device: DeviceAddress) async throws(DirectoryError) {
        guard !ids.isEmpty else { return }
        _ = try await call {
            try await client.acknowledgeMessages(body: .json(.init(messageIds: ids.map { .init($0.rawRepresentation) }))).noContent
        }
    }

    public func senderCertificate(for device: DeviceAddress) async throws(DirectoryError) -> SenderCertificate {
        let answer = try await call { try await client.getSenderCertificate().ok.body.json }
        do {
            return try SenderCertificate(serialized: Array(answer.certificate.data))
        } catch {
            throw DirectoryError(.invalidRequest, "the server's certificate does not decode: \(error.reason)")
        }
    }

    // MARK: Linking through the server

    /// The new device posts its request; the answer is the code to show the primary.
    public func requestLink(_ request: LinkRequest) async throws(DirectoryError) -> String {
        try await call {
            try await client.requestLink(body: .json(.init(user: request.user.description, registrationId: Int(request.registrationID.rawValue),
                                                           identityKey: .init(request.identityKey.serialized)))).created.body.json.code
        }
    }

    /// The primary reads the request behind `code`.
    public func linkRequest(code: String) async throws(DirectoryError) -> LinkRequest {
        let answer = try await call { try await client.getLinkRequest(path: .init(code: code)).ok.body.json }
        do {
            guard let registrationID = Self.registration(answer.registrationId) else { throw DirectoryError(.invalidRequest, "a registration id out of range") }
            return LinkRequest(user: try UserAddress(parsing: answer.user), registrationID: registrationID,
                               identityKey: try IdentityKey(serialized: Array(answer.identityKey.data)))
        } catch {
            throw DirectoryError(.invalidRequest, "the link request does not decode")
        }
    }

    /// The primary's approval for `code`.
    public func approve(code: String, _ approval: LinkApproval) async throws(DirectoryError) {
        _ = try await call {
            try await client.approveLink(path: .init(code: code), body: .json(.init(
                deviceIdentity: .init(approval.identity.serialized), accountSignature: .init(approval.accountSignature),
                primaryIdentity: .init(approval.primaryIdentity.serialized)))).noContent
        }
    }

    /// The new device's approval and credential once the primary approved (`nil` until then); this
    /// directory adopts the credential.
    public func collectApproval(code: String) async throws(DirectoryError) -> LinkApproval? {
        let output: Operations.GetLinkApproval.Output
        do {
            output = try await client.getLinkApproval(path: .init(code: code))
        } catch {
            throw DirectoryError(.unavailable, "the server cannot be reached: \(error)", underlying: error)
        }
        if case .accepted = output { return nil }
        guard case .ok(let ok) = output else { throw Self.failure(output) }
        let answer = try Self.json { try ok.body.json }
        do {
            let approval = LinkApproval(identity: try DeviceIdentity(serialized: answer.approval.deviceIdentity.data),
                                        accountSignature: Array(answer.approval.accountSignature.data),
                                        primaryIdentity: try IdentityKey(serialized: Array(answer.approval.primaryIdentity.data)))
            adopt(answer.credential)
            return approval
        } catch {
            throw DirectoryError(.invalidRequest, "the approval does not decode")
        }
    }

    /// The new device hands back its countersigned attestation.
    public func attest(code: String, _ attestation: DeviceAttestation) async throws(DirectoryError) {
        _ = try await call {
            try await client.putLinkAttestation(path: .init(code: code), body: .json(.init(attestation: .init(attestation.serialized)))).noContent
        }
    }

    /// The primary collects the attestation (`nil` until the new device countersigned).
    public func collectAttestation(code: String) async throws(DirectoryError) -> DeviceAttestation? {
        let output: Operations.GetLinkAttestation.Output
        do {
            output = try await client.getLinkAttestation(path: .init(code: code))
        } catch {
            throw DirectoryError(.unavailable, "the server cannot be reached: \(error)", underlying: error)
        }
        if case .accepted = output { return nil }
        guard case .ok(let ok) = output else { throw Self.failure(output) }
        let answer = try Self.json { try ok.body.json }
        do {
            return try DeviceAttestation(serialized: answer.attestation.data)
        } catch {
            throw DirectoryError(.invalidRequest, "the attestation does not decode")
        }
    }

    // MARK: Checked numbers

    static func registration(_ value: Int) -> RegistrationID? {
        UInt32(exactly: value).flatMap { RegistrationID(rawValue: $0) }
    }

    static func device(_ value: Int) -> DeviceID? {
        guard (1...127).contains(value) else { return nil }
        return DeviceID(UInt32(value))
    }

    // MARK: Errors

    /// Runs a call whose success case is unwrapped by the generated accessors; any other answer becomes
    /// the `DirectoryError` of its status.
    func call<T>(_ body: () async throws -> T) async throws(DirectoryError) -> T {
        do {
            return try await body()
        } catch let error as DirectoryError {
            throw error
        } catch {
            throw Self.mapped(error)
        }
    }

    static func json<T>(_ body: () throws -> T) throws(DirectoryError) -> T {
        do {
            return try body()
        } catch {
            throw DirectoryError(.invalidRequest, "the server's answer does not decode")
        }
    }

    /// The generated accessors throw a description of the unexpected case; its status is in the text.
    static func mapped(_ error: any Error) -> DirectoryError {
        let text = "\(error)"
        for (marker, code) in [("unauthorized", DirectoryError.Code.unauthorized), ("forbidden", .unauthorized), ("notFound", .notFound),
                               ("tooManyRequests", .rateLimited), ("badRequest", .invalidRequest), ("conflict", .invalidRequest),
                               ("contentTooLarge", .invalidRequest), ("gone", .invalidRequest)] where text.contains("response: \(marker)") {
            return DirectoryError(code, Self.reason(in: text) ?? marker, underlying: error)
        }
        return DirectoryError(.unavailable, "the server cannot be reached or failed: \(text.prefix(300))", underlying: error)
    }

    static func failure(_ output: some Sendable) -> DirectoryError {
        mapped(UnexpectedAnswer(text: "response: \(output)"))
    }

    static func reason(in text: String) -> String? {
        guard let range = text.range(of: "reason: \"") else { return nil }
        let rest = text[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    struct UnexpectedAnswer: Error, CustomStringConvertible {
        let text: String
        var description: String { text }
    }
}

/// The current bearer token, shared with the middleware that adds it.
final class TokenBox: @unchecked Sendable {
    private let lock = NSLock()
    private var token: String?

    init(_ token: String?) { self.token = token }

    func set(_ token: String?) {
        lock.lock()
        self.token = token
        lock.unlock()
    }

    var current: String? {
        lock.lock()
        defer { lock.unlock() }
        return token
    }
}

/// Adds `Authorization: Bearer` to every request but a sealed send that carries an access key: that
/// one must not tell the server who sends.
struct BearerMiddleware: ClientMiddleware {
    let token: TokenBox

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        let anonymous = operationID == "sendMessages" && request.headerFields[HTTPField.Name("Unidentified-Access-Key")!] != nil
        if !anonymous, let token = token.current { request.headerFields[.authorization] = "Bearer \(token)" }
        return try await next(request, body, baseURL)
    }
}
