import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireServerAPI
import Foundation
import OpenAPIRuntime

/// The directory and relay (SPEC §15): the handlers of `openapi.yaml` over a `DirectoryStorage`. Lists,
/// keys and envelopes are verified here with Crosswire's own types before storage keeps them; the
/// server never holds a private key of a user and never reads an envelope's ciphertext.
public struct DirectoryService: APIProtocol {
    public struct Limits: Sendable {
        /// Envelopes queued per device at most.
        public var queueCap = 10_000
        /// Bundle fetches per requesting device per minute.
        public var bundleFetchesPerMinute = 600
        /// Link requests per user per minute.
        public var linkRequestsPerMinute = 20
        /// A sender certificate's lifetime.
        public var certificateLifetime: UInt64 = 24 * 3_600_000
        /// How long a link code is good for.
        public var linkLifetime: Int64 = 10 * 60_000

        public init() {}
    }

    let storage: any DirectoryStorage
    let keys: ServerKeys
    let limits: Limits
    let now: @Sendable () -> UInt64

    public init(storage: any DirectoryStorage, keys: ServerKeys, limits: Limits = Limits(), now: @escaping @Sendable () -> UInt64 = Timestamp.now) {
        self.storage = storage
        self.keys = keys
        self.limits = limits
        self.now = now
    }

    // MARK: Helpers

    func stored<T>(_ body: () async throws(StorageError) -> T) async throws(APIFailure) -> T {
        do {
            return try await body()
        } catch {
            throw APIFailure.storage(error)
        }
    }

    static func user(_ text: String) throws(APIFailure) -> UserAddress {
        do {
            return try UserAddress(parsing: text)
        } catch {
            throw .badRequest("invalidAddress", "'\(text)' is not APP:USER: \(error.reason)")
        }
    }

    static func bytes(_ value: Base64EncodedData) -> [UInt8] { Array(value.data) }

    /// A registration id from a request: 1…16380, else 400 (never a trapping conversion).
    static func registrationID(_ value: Int) throws(APIFailure) -> UInt32 {
        guard (1...16380).contains(value) else { throw .badRequest("invalidRequest", "a registration id is 1…16380, got \(value)") }
        return UInt32(value)
    }

    /// A device id from a request: 1…127, else 400.
    static func deviceID(_ value: Int) throws(APIFailure) -> DeviceID {
        guard (1...127).contains(value) else { throw .badRequest("invalidRequest", "a device id is 1…127, got \(value)") }
        return DeviceID(UInt32(value))
    }

    /// A prekey id from a request: 0…2²⁴−1, else 400.
    static func prekeyID(_ value: Int) throws(APIFailure) -> Int {
        guard (0...0xFF_FFFF).contains(value) else { throw .badRequest("invalidRequest", "a prekey id is 0…16777215, got \(value)") }
        return value
    }

    /// A list version that fits the storage's signed 64-bit column.
    static func storable(_ list: VerifiedDeviceList) throws(APIFailure) -> VerifiedDeviceList {
        guard list.version <= UInt64(Int64.max) else { throw .badRequest("invalidList", "a list version is at most 2^63 - 1") }
        return list
    }

    static func identity(_ value: Base64EncodedData) throws(APIFailure) -> IdentityKey {
        do {
            return try IdentityKey(serialized: bytes(value))
        } catch {
            throw .badRequest("invalidKey", "an identity key is 0x05 ‖ 32 bytes")
        }
    }

    func account(_ user: UserAddress) async throws(APIFailure) -> (AccountRow, VerifiedDeviceList) {
        guard let (row, _) = try await stored({ () async throws(StorageError) in try await storage.account(user.description) }) else {
            throw .notFound("no account \(user)")
        }
        do {
            return (row, try SignedDeviceList(serialized: row.list).verified(for: user))
        } catch {
            throw APIFailure(.serviceUnavailable, "unavailable", "the stored list of \(user) does not verify")
        }
    }

    static func verify(_ bytes: [UInt8], for user: UserAddress) throws(APIFailure) -> VerifiedDeviceList {
        do {
            return try SignedDeviceList(serialized: bytes).verified(for: user)
        } catch {
            throw .badRequest("invalidList", "the device list does not verify for \(user): \(error.code): \(error.reason)")
        }
    }

    static func rows(_ list: VerifiedDeviceList) -> [DeviceRow] {
        list.devices.map { DeviceRow(device: Int($0.deviceID.rawValue), registrationID: Int($0.registrationID.rawValue), identityKey: $0.identityKey.serialized) }
    }

    static func token() -> String { Hex.encode(SecretBytes(randomCount: 32).unprotectedBytes) }

    func credential(for device: DeviceAddress, token: String) -> Components.Schemas.Credential {
        Components.Schemas.Credential(device: device.description, token: token, trustRoot: Base64EncodedData(keys.trustRoot.serialized))
    }

    // MARK: Accounts and lists

    public func registerAccount(_ input: Operations.RegisterAccount.Input) async throws -> Operations.RegisterAccount.Output {
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let user = try Self.user(body.user)
        let list = try Self.storable(try Self.verify(Self.bytes(body.deviceList), for: user))
        let identity = try Self.identity(body.identityKey)
        let registration = try Self.registrationID(body.registrationId)
        guard list.devices.count == 1, list.primaryIdentity == identity, list.devices[0].deviceID == DeviceID(1),
              list.devices[0].registrationID.rawValue == registration else {
            throw APIFailure.badRequest("invalidList", "a new account's list holds only its primary, device 1, with this identity and registration id")
        }
        let accessKey = Self.bytes(body.accessKey)
        guard accessKey.count == 16 else { throw APIFailure.badRequest("invalidAccessKey", "an access key is 16 bytes") }
        let token = Self.token()
        let primary = list.devices[0]
        try await stored { () async throws(StorageError) in
            try await storage.createAccount(AccountRow(user: user.description, list: list.signed.serialized, version: list.version,
                                                       primaryIdentity: identity.serialized, accessKey: accessKey),
                                            primary: Self.rows(list)[0], credential: AuthenticationMiddleware.hash(token), identity: identity.serialized)
        }
        return .created(.init(body: .json(credential(for: primary.address, token: token))))
    }

    public func getTrustRoot(_ input: Operations.GetTrustRoot.Input) async throws -> Operations.GetTrustRoot.Output {
        .ok(.init(body: .json(.init(trustRoot: Base64EncodedData(keys.trustRoot.serialized)))))
    }

    public func getDeviceList(_ input: Operations.GetDeviceList.Input) async throws -> Operations.GetDeviceList.Output {
        _ = try Caller.required()
        let user = try Self.user(input.path.user)
        let (row, _) = try await account(user)
        return .ok(.init(body: .json(.init(deviceList: Base64EncodedData(row.list)))))
    }

    public func publishDeviceList(_ input: Operations.PublishDeviceList.Input) async throws -> Operations.PublishDeviceList.Output {
        let caller = try Caller.required()
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let user = try Self.user(input.path.user)
        guard caller.user == user, caller.device == DeviceID(1) else { throw APIFailure.forbidden("only \(user)'s primary publishes its list") }
        let (row, current) = try await account(user)
        let next = try Self.storable(try Self.verify(Self.bytes(body.deviceList), for: user))
        guard next.primaryIdentity == current.primaryIdentity else {
            throw APIFailure.forbidden("a new primary identity re-registers the account")
        }
        do {
            _ = try current.change(to: next)
        } catch {
            throw APIFailure.conflict(error.code.rawValue, "\(error.reason)")
        }
        guard next.version > current.version else { throw APIFailure.conflict("rollback", "version \(next.version) does not replace \(current.version)") }
        var updated = row
        updated.list = next.signed.serialized
        updated.version = next.version
        try await stored { () async throws(StorageError) in try await storage.replaceList(updated, devices: Self.rows(next), expectedVersion: row.version) }
        return .noContent(.init())
    }

    // MARK: Links

    public func requestLink(_ input: Operations.RequestLink.Input) async throws -> Operations.RequestLink.Output {
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let user = try Self.user(body.user)
        _ = try Self.identity(body.identityKey)
        _ = try Self.registrationID(body.registrationId)
        _ = try await account(user)
        let count = try await stored { () async throws(StorageError) in try await storage.count("link:\(user)", window: 60_000, now: Int64(now())) }
        guard count <= limits.linkRequestsPerMinute else { throw APIFailure(.tooManyRequests, "rateLimited", "too many link requests for \(user)") }
        let code = Hex.encode(SecretBytes(randomCount: 16).unprotectedBytes)
        try await stored { () async throws(StorageError) in
            try await storage.createLink(LinkRow(code: code, user: user.description, registrationID: body.registrationId,
                                                 identityKey: Self.bytes(body.identityKey), createdAt: Int64(now())))
        }
        return .created(.init(body: .json(.init(code: code))))
    }

    func link(_ code: String) async throws(APIFailure) -> LinkRow {
        guard let link = try await stored({ () async throws(StorageError) in try await storage.link(code) }),
              Int64(now()) - link.createdAt <= limits.linkLifetime else {
            throw .notFound("no link code \(code.prefix(8))…")
        }
        return link
    }

    func primaryLink(_ code: String) async throws(APIFailure) -> LinkRow {
        let caller = try Caller.required()
        let link = try await link(code)
        guard caller.user.description == link.user, caller.device == DeviceID(1) else {
            throw .forbidden("only the primary of \(link.user) handles its link codes")
        }
        return link
    }

    public func getLinkRequest(_ input: Operations.GetLinkRequest.Input) async throws -> Operations.GetLinkRequest.Output {
        let link = try await primaryLink(input.path.code)
        return .ok(.init(body: .json(.init(user: link.user, registrationId: link.registrationID, identityKey: Base64EncodedData(link.identityKey)))))
    }

    public func approveLink(_ input: Operations.ApproveLink.Input) async throws -> Operations.ApproveLink.Output {
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let link = try await primaryLink(input.path.code)
        guard link.approval == nil else { throw APIFailure.conflict("exists", "this link is approved already") }
        let identity: DeviceIdentity
        do {
            identity = try DeviceIdentity(serialized: Self.bytes(body.deviceIdentity)[...])
        } catch {
            throw APIFailure.badRequest("invalidApproval", "the device identity does not decode: \(error.reason)")
        }
        guard identity.user.description == link.user, identity.identityKey.serialized == link.identityKey,
              Int(identity.registrationID.rawValue) == link.registrationID else {
            throw APIFailure.badRequest("invalidApproval", "the approval is not for the device that asked")
        }
        let (_, current) = try await account(identity.user)
        guard try Self.identity(body.primaryIdentity) == current.primaryIdentity,
              current.primaryIdentity.isValidSignature(Self.bytes(body.accountSignature),
                                                       for: DeviceAttestation.accountLabel + Self.bytes(body.deviceIdentity)) else {
            throw APIFailure.badRequest("invalidApproval", "the account signature does not verify under the primary's identity")
        }
        guard identity.deviceID != DeviceID(1), current.device(identity.deviceID) == nil else {
            throw APIFailure.conflict("deviceTaken", "device \(identity.deviceID) is the primary or already listed")
        }
        let token = Self.token()
        // The approval, the companion's credential and its token for collection, in one conditional write.
        try await stored { () async throws(StorageError) in
            try await storage.approveLink(link.code, approval: [Self.bytes(body.deviceIdentity), Self.bytes(body.accountSignature), Self.bytes(body.primaryIdentity)],
                                          credential: AuthenticationMiddleware.hash(token), token: token, device: Int(identity.deviceID.rawValue),
                                          identity: identity.identityKey.serialized)
        }
        return .noContent(.init())
    }

    public func getLinkApproval(_ input: Operations.GetLinkApproval.Input) async throws -> Operations.GetLinkApproval.Output {
        let link = try await link(input.path.code)
        guard let approval = link.approval, approval.count == 3 else { return .accepted(.init()) }
        guard let identity = try? DeviceIdentity(serialized: approval[0][...]) else {
            throw APIFailure(.serviceUnavailable, "unavailable", "a stored approval does not decode")
        }
        // Read and cleared in one write: exactly one caller gets the token.
        guard let token = try await stored({ () async throws(StorageError) in try await storage.collectLinkToken(link.code) }) else {
            throw APIFailure(.gone, "collected", "this approval was collected")
        }
        return .ok(.init(body: .json(.init(
            approval: .init(deviceIdentity: Base64EncodedData(approval[0]), accountSignature: Base64EncodedData(approval[1]),
                            primaryIdentity: Base64EncodedData(approval[2])),
            credential: credential(for: identity.address, token: token)))))
    }

    public func putLinkAttestation(_ input: Operations.PutLinkAttestation.Input) async throws -> Operations.PutLinkAttestation.Output {
        let caller = try Caller.required()
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let link = try await link(input.path.code)
        guard let approval = link.approval, let identity = try? DeviceIdentity(serialized: approval[0][...]), identity.address == caller else {
            throw APIFailure.forbidden("only the approved device countersigns")
        }
        do {
            let attestation = try DeviceAttestation(serialized: Self.bytes(body.attestation)[...])
            guard attestation.identity == identity else { throw APIFailure.badRequest("invalidAttestation", "the attestation is for another device") }
        } catch let error as APIFailure {
            throw error
        } catch {
            throw APIFailure.badRequest("invalidAttestation", "the attestation does not decode")
        }
        try await stored { () async throws(StorageError) in try await storage.attestLink(link.code, attestation: Self.bytes(body.attestation)) }
        return .noContent(.init())
    }

    public func getLinkAttestation(_ input: Operations.GetLinkAttestation.Input) async throws -> Operations.GetLinkAttestation.Output {
        let link = try await primaryLink(input.path.code)
        guard let attestation = link.attestation else { return .accepted(.init()) }
        return .ok(.init(body: .json(.init(attestation: Base64EncodedData(attestation)))))
    }

    // MARK: Keys

    public func uploadKeys(_ input: Operations.UploadKeys.Input) async throws -> Operations.UploadKeys.Output {
        let caller = try Caller.required()
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let (_, list) = try await account(caller.user)
        guard let listed = list.device(caller.device) else { throw APIFailure.forbidden("\(caller) is not on its account's list") }
        let identity = try Self.identity(body.identityKey)
        guard identity == listed.identityKey, try Self.registrationID(body.registrationId) == listed.registrationID.rawValue else {
            throw APIFailure.forbidden("the keys of \(caller) are not those its list names")
        }
        var upload = KeyUpload(signed: nil, oneTime: [], kem: [])
        if let signed = body.signedPrekey {
            let key = Self.bytes(signed.key)
            guard (try? ECPublicKey(serialized: key[...])) != nil, identity.isValidSignature(Self.bytes(signed.signature), for: key) else {
                throw APIFailure.badRequest("invalidSignature", "the signed prekey's signature does not verify")
            }
            upload.signed = PreKeyRow(id: try Self.prekeyID(signed.id), key: key, signature: Self.bytes(signed.signature))
        }
        for prekey in body.oneTimePrekeys {
            let key = Self.bytes(prekey.key)
            guard (try? ECPublicKey(serialized: key[...])) != nil else { throw APIFailure.badRequest("invalidKey", "one-time prekey \(prekey.id) is not a Curve25519 key") }
            upload.oneTime.append(PreKeyRow(id: try Self.prekeyID(prekey.id), key: key))
        }
        for prekey in body.kemPrekeys {
            let key = Self.bytes(prekey.key)
            guard (try? MLKEMPublicKey(serialized: key)) != nil, identity.isValidSignature(Self.bytes(prekey.signature), for: key) else {
                throw APIFailure.badRequest("invalidSignature", "KEM prekey \(prekey.id) is not a signed ML-KEM-1024 key")
            }
            upload.kem.append(PreKeyRow(id: try Self.prekeyID(prekey.id), key: key, signature: Self.bytes(prekey.signature), lastResort: prekey.lastResort))
        }
        guard body.oneTimePrekeys.count <= 200, body.kemPrekeys.count <= 200 else { throw APIFailure.badRequest("invalidRequest", "at most 200 prekeys of each kind") }
        try await stored { () async throws(StorageError) in
            try await storage.storeKeys(upload, user: caller.user.description, device: Int(caller.device.rawValue), identity: identity.serialized)
        }
        return .noContent(.init())
    }

    public func getBundles(_ input: Operations.GetBundles.Input) async throws -> Operations.GetBundles.Output {
        let caller = try Caller.required()
        let user = try Self.user(input.path.user)
        let devices = input.query.device
        guard !devices.isEmpty, devices.count <= 16, Set(devices).count == devices.count else {
            throw APIFailure.badRequest("invalidRequest", "1…16 distinct device ids")
        }
        let count = try await stored { () async throws(StorageError) in try await storage.count("bundles:\(caller)", window: 60_000, now: Int64(now())) }
        guard count <= limits.bundleFetchesPerMinute else { throw APIFailure(.tooManyRequests, "rateLimited", "too many bundle fetches by \(caller)") }
        let (_, list) = try await account(user)
        // Every id is checked before any prekey is claimed, so a refusal burns none.
        let listed = try devices.map { id throws(APIFailure) in
            guard let device = list.device(try Self.deviceID(id)) else { throw APIFailure.notFound("\(user)/\(id) is not listed") }
            return (id, device)
        }
        // All or none: a device without keys yet is 404 and no other device's prekey is claimed.
        guard let rows = try await stored({ () async throws(StorageError) in try await storage.claimBundles(user: user.description, devices: devices) }) else {
            throw APIFailure.notFound("a device of \(user) has no keys yet")
        }
        var bundles: [Components.Schemas.Bundle] = []
        for ((id, listed), row) in zip(listed, rows) {
            bundles.append(.init(
                deviceId: id, registrationId: Int(listed.registrationID.rawValue), identityKey: Base64EncodedData(listed.identityKey.serialized),
                signedPrekey: .init(id: row.signed.id, key: Base64EncodedData(row.signed.key), signature: Base64EncodedData(row.signed.signature)),
                oneTimePrekey: row.oneTime.map { .init(id: $0.id, key: Base64EncodedData($0.key)) },
                kemPrekey: row.kem.map { .init(id: $0.id, key: Base64EncodedData($0.key), signature: Base64EncodedData($0.signature), lastResort: $0.lastResort) }))
        }
        return .ok(.init(body: .json(.init(bundles: bundles))))
    }

    public func getSenderCertificate(_ input: Operations.GetSenderCertificate.Input) async throws -> Operations.GetSenderCertificate.Output {
        let caller = try Caller.required()
        let (_, list) = try await account(caller.user)
        guard let listed = list.device(caller.device) else { throw APIFailure.notFound("\(caller) is not on its account's list") }
        let certificate = SenderCertificate(senderUUID: caller.user.description, senderDevice: caller.device, expiration: now() &+ limits.certificateLifetime,
                                            identityKey: listed.identityKey, signer: keys.serverCertificate, serverKey: keys.serverKey)
        return .ok(.init(body: .json(.init(certificate: Base64EncodedData(certificate.serialized)))))
    }

    // MARK: Messages

    public func sendMessages(_ input: Operations.SendMessages.Input) async throws -> Operations.SendMessages.Output {
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let user = try Self.user(input.path.user)
        let caller = Caller.device
        let (row, list) = try await account(user)
        if caller == nil {
            guard let header = input.headers.unidentifiedAccessKey, let key = Data(base64Encoded: header), key.count == 16 else {
                throw APIFailure.unauthorized("a send needs a device credential or the recipient's Unidentified-Access-Key")
            }
            guard ConstantTime.equals([UInt8](key), row.accessKey) else { throw APIFailure.unauthorized("the access key is not \(user)'s") }
        }
        var envelopes: [QueuedEnvelope] = [], named: [Int] = []
        for message in body.messages {
            _ = try Self.deviceID(message.deviceId)
            _ = try Self.registrationID(message.registrationId)
            let envelope: Envelope
            do {
                envelope = try Envelope(serialized: Self.bytes(message.envelope))
            } catch {
                throw APIFailure.badRequest("invalidEnvelope", "an envelope does not decode: \(error.code): \(error.reason)")
            }
            guard envelope.recipient.user == user, Int(envelope.recipient.device.rawValue) == message.deviceId else {
                throw APIFailure.badRequest("invalidEnvelope", "every envelope names its device of \(user)")
            }
            if caller == nil, envelope.sender != nil { throw APIFailure.badRequest("invalidEnvelope", "an unauthenticated send is sealed") }
            if let sender = envelope.sender, sender != caller { throw APIFailure.forbidden("an envelope names another sender than the caller") }
            envelopes.append(QueuedEnvelope(device: message.deviceId, messageID: envelope.messageID.rawRepresentation,
                                            envelope: envelope.stamped(at: now()).serialized))
            named.append(message.deviceId)
        }
        guard Set(named).count == named.count else { throw APIFailure.badRequest("invalidRequest", "a device is named twice") }
        let expected = Set(list.devices.map { Int($0.deviceID.rawValue) }.filter { caller == nil || caller!.user != user || $0 != Int(caller!.device.rawValue) })
        if Set(named) != expected {
            var failure = APIFailure.conflict("mismatchedDevices", "the submission does not cover \(user)'s listed devices")
            failure.missing = expected.subtracting(named).sorted()
            failure.extra = Set(named).subtracting(expected).sorted()
            throw failure
        }
        let stale = body.messages.filter { list.device(DeviceID(UInt32($0.deviceId)))?.registrationID.rawValue != UInt32($0.registrationId) }.map(\.deviceId)  // ranges checked above
        if !stale.isEmpty {
            var failure = APIFailure(.gone, "staleDevices", "devices of \(user) were re-installed")
            failure.stale = stale.sorted()
            throw failure
        }
        try await stored { () async throws(StorageError) in
            try await storage.enqueue(envelopes, user: user.description, listVersion: row.version, cap: limits.queueCap)
        }
        return .ok(.init())
    }

    public func getMessages(_ input: Operations.GetMessages.Input) async throws -> Operations.GetMessages.Output {
        let caller = try Caller.required()
        let limit = input.query.limit ?? 100
        guard (1...500).contains(limit) else { throw APIFailure.badRequest("invalidRequest", "limit is 1…500") }
        let (envelopes, more) = try await stored { () async throws(StorageError) in
            try await storage.pending(user: caller.user.description, device: Int(caller.device.rawValue), limit: limit)
        }
        return .ok(.init(body: .json(.init(envelopes: envelopes.map { Base64EncodedData($0) }, more: more))))
    }

    public func acknowledgeMessages(_ input: Operations.AcknowledgeMessages.Input) async throws -> Operations.AcknowledgeMessages.Output {
        let caller = try Caller.required()
        guard case .json(let body) = input.body else { throw APIFailure.badRequest("invalidRequest", "JSON body expected") }
        let ids = body.messageIds.map(Self.bytes)
        guard ids.allSatisfy({ $0.count == MessageID.count }) else { throw APIFailure.badRequest("invalidRequest", "message ids are \(MessageID.count) bytes") }
        try await stored { () async throws(StorageError) in
            try await storage.acknowledge(ids, user: caller.user.description, device: Int(caller.device.rawValue))
        }
        return .noContent(.init())
    }
}
