import CrosswireCrypto
import CrosswireWire

/// One device of one account on any of the apps (SPEC §12.9): Sesame's fan-out over signed device
/// lists, groups across apps, and linking, over a `SignalProtocolStore` and a `DeviceDirectory`.
///
/// A send encrypts the padded content once per device of the recipient's verified list and of this
/// account's other devices; every session step commits before any envelope is submitted, so a
/// transport failure or a retry skips counters but never reuses one. A receive decrypts, checks the
/// sender against its account's verified list, applies what the content carries (a sender key, a group
/// state) and runs the app's own writes in one store transaction: exactly once, or not at all. An
/// actor, so a device's sends and receives never interleave.
public actor CrossAppClient<Store: SignalProtocolStore, Directory: DeviceDirectory> {
    /// The device's state.
    public nonisolated let store: Store
    /// Where lists, bundles and envelopes come from.
    public nonisolated let directory: Directory
    /// This device.
    public nonisolated let address: DeviceAddress
    /// Sesame's parameters.
    public nonisolated let policy: SesamePolicy
    let entropy: any EntropySource
    let now: @Sendable () -> UInt64
    var pendingEvents: [ClientEvent] = []
    var certificate: SenderCertificate?
    var localIdentity: (IdentityKeyPair, RegistrationID)?

    /// The client of the device `address`, whose keys are in `store`. The account must already exist
    /// (see `registerPrimary` and `link`).
    public init(address: DeviceAddress, store: Store, directory: Directory, policy: SesamePolicy = SesamePolicy(),
                entropy: any EntropySource = SystemEntropy(), now: @escaping @Sendable () -> UInt64 = Timestamp.now) {
        self.address = address
        self.store = store
        self.directory = directory
        self.policy = policy
        self.entropy = entropy
        self.now = now
    }

    /// The events since the last call, oldest first: identity changes, devices linked and removed,
    /// safety numbers and groups that changed.
    public func takeEvents() -> [ClientEvent] {
        defer { pendingEvents = [] }
        return pendingEvents
    }

    // MARK: Accounts and devices

    /// Registers a new account with this store's identity as its primary device (device 1): signs the
    /// first device list, publishes it and uploads the device's prekeys.
    public static func registerPrimary(
        _ user: UserAddress, store: Store, directory: Directory, policy: SesamePolicy = SesamePolicy(),
        entropy: any EntropySource = SystemEntropy(), now: @escaping @Sendable () -> UInt64 = Timestamp.now
    ) async throws(ClientError) -> CrossAppClient {
        let address = try ClientError.wrap { try DeviceAddress(user: user, device: DeviceID(1)) }
        let client = CrossAppClient(address: address, store: store, directory: directory, policy: policy, entropy: entropy, now: now)
        let (pair, registration) = try await client.localKeys()
        let primary = try ClientError.wrap {
            try DeviceIdentity(user: user, deviceID: DeviceID(1), registrationID: registration, identityKey: pair.identityKey, addedAt: now())
        }
        let signed = try ClientError.wrap {
            try DeviceList(user: user, version: 1, primary: primary, companions: []).signed(by: pair, using: entropy)
        }
        try await client.publish(signed)
        try await client.publishKeys()
        return client
    }

    /// What a new companion shows the primary: the account to join and this store's identity.
    public static func linkRequest(for user: UserAddress, store: Store) async throws(ClientError) -> LinkRequest {
        let (pair, registration) = try await ClientError.wrapAsync {
            try await store.transaction(.device) { t in (try t.identityKeyPair(), try t.localRegistrationID()) }
        }
        return LinkRequest(user: user, registrationID: registration, identityKey: pair.identityKey)
    }

    /// On the primary: approves `request` as the lowest free device id (never one still stale) and signs
    /// it. Only the primary approves (`notAllowed`).
    public func approve(_ request: LinkRequest) async throws(ClientError) -> LinkApproval {
        let record = try await requirePrimary()
        guard request.user == address.user else {
            throw ClientError(.invalidArgument, "a request to join \(request.user) cannot be approved by \(address.user)")
        }
        let used = Set(record.list.devices.map(\.deviceID.rawValue) + record.stale.map(\.identity.deviceID.rawValue))
        guard let id = DeviceAddress.deviceRange.first(where: { !used.contains($0) }) else {
            throw ClientError(.invalidArgument, "\(address.user) has no free device id")
        }
        let identity = try ClientError.wrap {
            try DeviceIdentity(user: address.user, deviceID: DeviceID(id), registrationID: request.registrationID,
                               identityKey: request.identityKey, addedAt: now())
        }
        let (pair, _) = try await localKeys()
        return LinkApproval(identity: identity, accountSignature: DeviceAttestation.accountSignature(for: identity, by: pair, using: entropy),
                            primaryIdentity: pair.identityKey)
    }

    /// On the companion: checks the primary's approval and signs back. The primary passes the result to
    /// `completeLink(_:)`; once it has published the new list, the companion calls `publishKeys()`.
    public static func link(
        _ approval: LinkApproval, store: Store, directory: Directory, policy: SesamePolicy = SesamePolicy(),
        entropy: any EntropySource = SystemEntropy(), now: @escaping @Sendable () -> UInt64 = Timestamp.now
    ) async throws(ClientError) -> (client: CrossAppClient, attestation: DeviceAttestation) {
        let client = CrossAppClient(address: approval.identity.address, store: store, directory: directory, policy: policy,
                                    entropy: entropy, now: now)
        let (pair, _) = try await client.localKeys()
        let attestation = try ClientError.wrap {
            try DeviceAttestation(countersigning: approval.identity, accountSignature: approval.accountSignature,
                                  primary: approval.primaryIdentity, companion: pair, using: entropy)
        }
        return (client, attestation)
    }

    /// On the primary: adds the countersigned companion to the next version of the list and publishes it.
    @discardableResult
    public func completeLink(_ attestation: DeviceAttestation) async throws(ClientError) -> DeviceListChange {
        let record = try await requirePrimary()
        let (pair, _) = try await localKeys()
        let companions = record.list.contents.companions.filter { $0.identity.deviceID != attestation.identity.deviceID } + [attestation]
        let signed = try ClientError.wrap {
            try DeviceList(user: address.user, version: record.list.version + 1, primary: record.list.contents.primary,
                           companions: companions).signed(by: pair, using: entropy)
        }
        return try await publish(signed)
    }

    /// On the primary: removes a companion from the next version of the list and publishes it. Every
    /// group this account is in rotates its sender keys, so the removed device reads nothing after.
    @discardableResult
    public func removeDevice(_ id: DeviceID) async throws(ClientError) -> DeviceListChange {
        let record = try await requirePrimary()
        guard id != address.device, record.list.device(id) != nil else {
            throw ClientError(.invalidArgument, "device \(id.rawValue) is not a companion of \(address.user)")
        }
        let (pair, _) = try await localKeys()
        let signed = try ClientError.wrap {
            try DeviceList(user: address.user, version: record.list.version + 1, primary: record.list.contents.primary,
                           companions: record.list.contents.companions.filter { $0.identity.deviceID != id }).signed(by: pair, using: entropy)
        }
        return try await publish(signed)
    }

    /// Rotates and replenishes this device's prekeys and uploads what is new (after registering or
    /// linking, and from time to time).
    public func publishKeys() async throws(ClientError) {
        _ = try await refreshDeviceList(for: address.user)
        let (pair, registration) = try await localKeys()
        let report = try await ClientError.wrapAsync { try await DeviceMaintenance(store: store, entropy: entropy, now: now).run() }
        guard report.hasNewKeys else { return }
        let keys = PublishedKeys(identityKey: pair.identityKey, registrationID: registration, report: report)
        try await ClientError.wrapAsync { try await directory.upload(keys, for: address) }
    }

    /// The verified device list of `user` as this device trusts it, fetching it the first time.
    public func deviceList(for user: UserAddress) async throws(ClientError) -> VerifiedDeviceList {
        try await trustedRecord(user).list
    }

    /// Fetches `user`'s list from the directory and accepts it if it replaces the trusted one (events
    /// for what changed); `nil` when it is the same list.
    @discardableResult
    public func refreshDeviceList(for user: UserAddress) async throws(ClientError) -> DeviceListChange? {
        let signed = try await ClientError.wrapAsync { try await directory.deviceList(for: user) }
        return try await accept(signed, for: user)
    }

    /// The user-level safety number with `user` (SPEC §12.3), over both verified lists.
    public func safetyNumber(with user: UserAddress) async throws(ClientError) -> Fingerprint {
        let mine = try await trustedRecord(address.user).list, theirs = try await trustedRecord(user).list
        return try ClientError.wrap { try Fingerprint(local: mine, remote: theirs) }
    }

    // MARK: Sending

    /// Sends `content` to every device of `user` and, as a copy naming `user`, to this account's other
    /// devices. Recovers from 409 (verifies the new list, builds sessions) and 410 (new bundles)
    /// without sending anything twice to a device that got it.
    @discardableResult
    public func send(_ content: Content, to user: UserAddress) async throws(ClientError) -> SendReport {
        let content = content.carrying(profileKey: policy.profileKey)
        let id = MessageID.random(using: entropy)
        var devices: [DeviceAddress] = [], retries = 0
        if user != address.user {
            let (reached, tries) = try await fanOut(content, to: user, id: id)
            devices += reached
            retries += tries
        }
        let copy = try ClientError.wrap {
            try Content(type: content.type, senderTimestamp: content.senderTimestamp, groupID: content.groupID,
                        senderKeyDistribution: content.senderKeyDistribution, syncDestination: user, body: content.body,
                        profileKey: content.profileKey)
        }
        let (reached, tries) = try await fanOut(copy, to: address.user, id: id)
        return SendReport(messageID: id, devices: devices + reached, retries: retries + tries)
    }

    /// Sends a text message.
    @discardableResult
    public func send(text: String, to user: UserAddress) async throws(ClientError) -> SendReport {
        try await send(try ClientError.wrap { try Content.text(text, at: now()) }, to: user)
    }

    /// Sends an attachment pointer (the blob already stored under `pointer.blobID`).
    @discardableResult
    public func send(_ pointer: AttachmentPointer, to user: UserAddress) async throws(ClientError) -> SendReport {
        try await send(try ClientError.wrap { try Content.attachment(pointer, at: now()) }, to: user)
    }

    /// Encrypts `content` for every listed device of `user` (this device excepted) and submits the set;
    /// on 409 or 410 refreshes what the answer says and encrypts again for the devices concerned.
    func fanOut(_ content: Content, to user: UserAddress, id: MessageID) async throws(ClientError) -> ([DeviceAddress], Int) {
        let padded = content.padded
        var rebuild = Set<DeviceID>()
        var lastError: DirectoryError?
        for attempt in 0..<policy.maximumAttempts {
            let record = try await trustedRecord(user)
            let targets = record.list.devices.filter { $0.address != address }
            if targets.isEmpty { return ([], attempt) }
            do {
                try await ensureSessions(with: targets, of: user, rebuilding: rebuild)
            } catch {
                // No keys for a device our list still names: it was probably removed since. Refresh and retry.
                guard let answer = error.underlying as? DirectoryError, answer.code == .notFound else { throw error }
                lastError = answer
                _ = try await refreshDeviceList(for: user)
                continue
            }
            rebuild = []
            var messages: [OutgoingMessage] = []
            for device in targets {
                let message = try await ClientError.wrapAsync {
                    try await SessionCipher(store: store, address: device.address.protocolAddress, policy: policy.session, entropy: entropy)
                        .encrypt(padded)
                }
                let envelope = try await self.envelope(message.kind, message.serialized, for: device, id: id)
                messages.append(OutgoingMessage(envelope: envelope, registrationID: device.registrationID))
            }
            do {
                try await directory.submit(messages, to: user)
                return (targets.map(\.address), attempt)
            } catch {
                lastError = error
                switch error.code {
                case .mismatchedDevices:
                    _ = try await refreshDeviceList(for: user)
                case .staleDevices:
                    _ = try await refreshDeviceList(for: user)
                    rebuild = Set(error.staleDevices)
                default:
                    throw ClientError(.directoryFailure, "submitting to \(user): \(error.code): \(error.reason)", underlying: error)
                }
            }
        }
        throw ClientError(.directoryFailure, "\(user)'s devices still mismatched after \(policy.maximumAttempts) attempts",
                          underlying: lastError)
    }

    /// Builds a session from a fresh bundle with every target that has none, or whose session names
    /// another identity or registration than its list entry. A bundle must match the list entry.
    func ensureSessions(with targets: [DeviceIdentity], of user: UserAddress, rebuilding: Set<DeviceID>) async throws(ClientError) {
        var needed: [DeviceIdentity] = []
        for device in targets {
            let address = device.address.protocolAddress
            let current = try await ClientError.wrapAsync {
                try await store.transaction(.session(address)) { t in try t.session(for: address)?.current }
            }
            if rebuilding.contains(device.deviceID) || current == nil || current!.remoteIdentityKey != device.identityKey
                || current!.remoteRegistration != device.registrationID {
                needed.append(device)
            }
        }
        guard !needed.isEmpty else { return }
        let bundles = try await ClientError.wrapAsync { try await directory.bundles(for: user, devices: needed.map(\.deviceID)) }
        for device in needed {
            guard let bundle = bundles.first(where: { $0.deviceID == device.deviceID }) else {
                throw ClientError(.directoryFailure, "the directory gave no bundle for \(device.address)")
            }
            guard bundle.identityKey == device.identityKey, bundle.registrationID == device.registrationID else {
                throw ClientError(.untrustedIdentity, "the bundle of \(device.address) is not for the identity its signed list names")
            }
            try await ClientError.wrapAsync {
                try await SessionCipher(store: store, address: device.address.protocolAddress, policy: policy.session, entropy: entropy)
                    .process(bundle)
            }
        }
    }

    // MARK: Receiving

    /// Decrypts `envelope` and applies what its content carries; see `receive(_:then:)`.
    public func receive(_ envelope: Envelope) async throws(ClientError) -> ReceivedMessage {
        try await receive(envelope) { _, message in message }
    }

    /// Decrypts `envelope` from a device on its account's verified list, applies its content (a sender
    /// key, a group state) and runs `body` — the app's own writes — in the same store transaction: a
    /// crash or a thrown error keeps none of it, and a redelivered envelope is a duplicate. Every
    /// refusal leaves every store unchanged.
    public func receive<Result: Sendable>(
        _ envelope: Envelope, then body: @escaping @Sendable (inout Store.Transaction, ReceivedMessage) throws -> Result
    ) async throws(ClientError) -> Result {
        do {
            return try await receiveOnce(envelope, accepting: [], then: body)
        } catch {
            // A group state signed by an account this device has no list of: fetch it, then once more,
            // storing it with the message or not at all.
            guard let user = MissingDeviceList.find(in: error) else { throw error }
            let signed = try await ClientError.wrapAsync { try await directory.deviceList(for: user) }
            let list = try ClientError.wrap { try signed.verified(for: user) }
            return try await receiveOnce(envelope, accepting: [ListAcceptance(list: list, at: now(), retention: policy.staleRetention)], then: body)
        }
    }

    func receiveOnce<Result: Sendable>(
        _ envelope: Envelope, accepting fetched: [ListAcceptance],
        then body: @escaping @Sendable (inout Store.Transaction, ReceivedMessage) throws -> Result
    ) async throws(ClientError) -> Result {
        guard envelope.recipient == address else {
            throw ClientError(.notForThisDevice, "an envelope for \(envelope.recipient) reached \(address)")
        }
        let (sender, kind, ciphertext, certified) = try await unseal(envelope)
        // The sender's list: the stored one, or (for an account or device not seen yet) the directory's,
        // verified here and stored only with the message.
        var acceptances = fetched
        let stored = try await ClientError.wrapAsync { try await store.transaction(.device) { t in try t.deviceList(for: sender.user) } }
        var listed = stored?.knows(sender.device)
        if listed == nil {
            let signed = try await ClientError.wrapAsync { try await directory.deviceList(for: sender.user) }
            let list = try ClientError.wrap { try signed.verified(for: sender.user) }
            if let stored { _ = try ClientError.wrap { try stored.list.change(to: list) } }
            acceptances.append(ListAcceptance(list: list, at: now(), retention: policy.staleRetention))
            listed = list.device(sender.device)
        }
        guard let listed else {
            throw ClientError(.unknownSenderDevice, "\(sender) is not on \(sender.user)'s verified device list")
        }
        // A sealed sender's certificate must name the identity its account's list gives that device.
        if let certified, certified != listed.identityKey {
            throw ClientError(.untrustedIdentity, "the sender certificate of \(sender) names another identity than its device list")
        }
        let context = ReceiveContext(local: address, sender: sender, listed: listed, envelope: envelope, now: now())
        let accepted = acceptances
        let (result, received, changes): (Result, ReceivedMessage, [DeviceListChange])
        do {
            switch kind {
            case .signal, .preKey:
                (result, received, changes) = try await SessionCipher(store: store, address: sender.protocolAddress, policy: policy.session, entropy: entropy)
                    .decrypt(ciphertext, kind: kind) { transaction, message in
                        let changes = try accepted.compactMap { try $0.commit(in: &transaction) }
                        guard try transaction.identity(for: sender.protocolAddress) == listed.identityKey else {
                            throw ClientError(.untrustedIdentity, "\(sender)'s session is not with the identity its list names")
                        }
                        let received = try context.apply(try Self.content(message.plaintext), in: &transaction, for: Store.self)
                        return (try body(&transaction, received), received, changes)
                    }
            case .senderKey:
                let distribution = try ClientError.wrap {
                    try SenderKeyMessage(serialized: ciphertext, layout: .distributionUUID).distributionID
                }
                (result, received, changes) = try await store.transaction(.senderKey(SenderKeyName(groupID: distribution, sender: sender.protocolAddress))) { transaction in
                    let changes = try accepted.compactMap { try $0.commit(in: &transaction) }
                    let plaintext = try GroupCipher<Store>.decrypt(ciphertext, from: sender.protocolAddress, groupID: distribution,
                                                                   in: &transaction)
                    let content = try Self.content(plaintext)
                    guard let group = content.groupID, let held = try transaction.group(for: group),
                          held.state.state.members.contains(sender.user) else {
                        throw ClientError(.unknownGroup, "a group message from \(sender), who is not in a group of this device")
                    }
                    let received = try context.apply(content, in: &transaction, for: Store.self)
                    return (try body(&transaction, received), received, changes)
                }
            }
        } catch {
            throw ClientError.receiving(error, from: sender)
        }
        for change in changes { announce(change) }
        if received.content.type == .groupUpdate, let group = received.content.groupID { pendingEvents.append(.groupChanged(group)) }
        return result
    }

    /// The sender, inner kind and inner message of an envelope; for a sealed one (v1, or v2's received
    /// form as a server delivers it), after opening it
    /// with this device's identity and checking the certificate chain (the pinned trust root, expiry) and
    /// that it is not our own; plus the identity its certificate names.
    func unseal(_ envelope: Envelope) async throws(ClientError) -> (DeviceAddress, MessageKind, [UInt8], IdentityKey?) {
        if let sender = envelope.sender, let kind = envelope.kind.messageKind { return (sender, kind, envelope.ciphertext, nil) }
        guard let trustRoot = policy.trustRoot else {
            throw ClientError(.sealedNotSupported, "a \(envelope.kind) envelope without a pinned trust root")
        }
        let (pair, _) = try await localKeys()
        let content = try ClientError.wrap {
            envelope.kind == .sealedSenderV1 ? try SealedSenderV1.open(envelope.ciphertext, recipient: pair)
                : try SealedSenderV2.open(envelope.ciphertext, recipient: pair)
        }
        let certificate = content.senderCertificate
        // At the time the server accepted the envelope, as libsignal does: a message read hours later is not refused
        // because its certificate has expired since.
        try ClientError.wrap { try certificate.validate(trustRoot: trustRoot, at: envelope.serverTimestamp ?? now()) }
        let sender = try ClientError.wrap {
            try DeviceAddress(user: try UserAddress(parsing: certificate.senderUUID), device: certificate.senderDevice)
        }
        guard sender != address else { throw ClientError(.sealedSenderRefused, "a sealed message from this very device") }
        guard let kind = content.type.messageKind else {
            throw ClientError(.sealedSenderRefused, "sealed plaintext content is not accepted")
        }
        return (sender, kind, content.content, certificate.identityKey)
    }

    /// This device's sender certificate, fetched when missing or expiring within the hour.
    func currentCertificate() async throws(ClientError) -> SenderCertificate {
        if let certificate, certificate.expiration > now() &+ 3_600_000 { return certificate }
        let fresh = try await ClientError.wrapAsync { try await directory.senderCertificate(for: address) }
        certificate = fresh
        return fresh
    }

    /// The message of `kind` for `device`, sealed under our certificate when it goes to another
    /// account and a trust root is pinned.
    func envelope(_ kind: MessageKind, _ bytes: [UInt8], for device: DeviceIdentity, id: MessageID,
                  groupID: [UInt8]? = nil) async throws(ClientError) -> Envelope {
        guard policy.trustRoot != nil, device.user != address.user else {
            return try ClientError.wrap {
                try Envelope(kind: CiphertextKind(kind), recipient: device.address, sender: address, messageID: id, ciphertext: bytes)
            }
        }
        let content = UnidentifiedSenderMessageContent(type: .init(kind), senderCertificate: try await currentCertificate(),
                                                       content: bytes, groupID: groupID)
        let (pair, _) = try await localKeys()
        let sealed = try ClientError.wrap { try SealedSenderV1.seal(content, from: pair, to: device.identityKey, using: entropy) }
        return try ClientError.wrap { try Envelope(kind: .sealedSenderV1, recipient: device.address, sender: nil, messageID: id, ciphertext: sealed) }
    }

    static func content(_ plaintext: [UInt8]) throws(ClientError) -> Content {
        do {
            return try Content(padded: plaintext)
        } catch {
            throw ClientError(.invalidContent, "the content does not decode: \(error.code): \(error.reason)", underlying: error)
        }
    }

    // MARK: Device lists

    /// The trusted record of `user`, fetched and verified on first use.
    func trustedRecord(_ user: UserAddress) async throws(ClientError) -> DeviceListRecord {
        if let record = try await ClientError.wrapAsync({ try await store.transaction(.device) { t in try t.deviceList(for: user) } }) {
            return record
        }
        _ = try await refreshDeviceList(for: user)
        guard let record = try await ClientError.wrapAsync({ try await store.transaction(.device) { t in try t.deviceList(for: user) } }) else {
            throw ClientError(.deviceListRefused, "no device list for \(user)")
        }
        return record
    }

    /// Verifies `signed` for `user` against the trusted record and, in one transaction, stores the new
    /// record and trusts each listed identity for its device's sessions. (A device that left makes the
    /// next group send rotate, see `send(_:toGroup:)`.) Returns the change, `nil` for no change.
    func accept(_ signed: SignedDeviceList, for user: UserAddress) async throws(ClientError) -> DeviceListChange? {
        let acceptance = ListAcceptance(list: try ClientError.wrap { try signed.verified(for: user) }, at: now(), retention: policy.staleRetention)
        let change = try await ClientError.wrapAsync {
            try await store.transaction(.device) { (t: inout Store.Transaction) throws -> DeviceListChange? in try acceptance.commit(in: &t) }
        }
        if let change { announce(change) }
        return change
    }

    /// The events of an accepted change of someone's list.
    func announce(_ change: DeviceListChange) {
        guard change.previous != nil else { return }
        let user = change.current.user
        if change.identityChanged { pendingEvents.append(.identityChanged(user)) }
        pendingEvents += change.added.map { .deviceAdded($0.address) }
        pendingEvents += change.removed.map { .deviceRemoved($0.address) }
        if change.safetyNumberChanged && user != address.user { pendingEvents.append(.safetyNumberChanged(user)) }
    }

    /// Publishes our own new list and accepts it locally.
    @discardableResult
    func publish(_ signed: SignedDeviceList) async throws(ClientError) -> DeviceListChange {
        try await ClientError.wrapAsync { try await directory.publish(signed, for: address.user) }
        guard let change = try await accept(signed, for: address.user) else {
            throw ClientError(.invalidArgument, "the published list changed nothing")
        }
        return change
    }

    func requirePrimary() async throws(ClientError) -> DeviceListRecord {
        let record = try await trustedRecord(address.user)
        let (pair, _) = try await localKeys()
        guard record.list.primaryIdentity == pair.identityKey, record.list.contents.primary.deviceID == address.device else {
            throw ClientError(.notAllowed, "only \(address.user)'s primary device links and removes devices")
        }
        return record
    }

    /// This device's identity and registration id: read once (a device's identity never changes), not
    /// once per sealed envelope.
    func localKeys() async throws(ClientError) -> (IdentityKeyPair, RegistrationID) {
        if let localIdentity { return localIdentity }
        let keys = try await ClientError.wrapAsync { try await store.transaction(.device) { t in (try t.identityKeyPair(), try t.localRegistrationID()) } }
        localIdentity = keys
        return keys
    }
}

/// What a receive knows before its transaction: applied to the content inside it.
struct ReceiveContext: Sendable {
    let local: DeviceAddress
    let sender: DeviceAddress
    let listed: DeviceIdentity
    let envelope: Envelope
    let now: UInt64

    /// Stores what the content carries in `transaction`: a sender key (from a group member), a group
    /// state (verified against its signer's list). Returns the message for the app.
    func apply<Store: SignalProtocolStore>(_ content: Content, in transaction: inout Store.Transaction, for _: Store.Type) throws -> ReceivedMessage {
        if content.syncDestination != nil, sender.user != local.user {
            throw ClientError(.invalidContent, "a copy for one's own devices from another account (\(sender.user))")
        }
        // An attachment pointer must decode: the app gets a pointer it can fetch, or nothing changes.
        if content.type == .attachment { _ = try ClientError.wrap { try content.attachmentPointer() } }
        // A group update, or a sender key with the group's state alongside (for a device linked since).
        if content.type == .groupUpdate || (content.type == .senderKeyDistribution && !content.body.isEmpty) {
            try GroupUpdates.apply(content, from: sender, local: local, in: &transaction)
        }
        if let distribution = content.senderKeyDistribution {
            // Kept even from a user who is not a member in our state (yet, or any more): their messages are
            // still refused until they are, but one re-added before learning of the removal stays readable.
            guard let group = content.groupID, try transaction.group(for: group) != nil else {
                throw ClientError(.unknownGroup, "a sender key from \(sender) for a group this device is not in")
            }
            do {
                try GroupCipher<Store>.store(distribution, from: sender.protocolAddress, groupID: distribution.distributionID, in: &transaction)
            } catch {
                throw ClientError(.decryptionFailed, "the sender key from \(sender): \(error.reason)", underlying: error)
            }
        }
        return ReceivedMessage(sender: sender, content: content, messageID: envelope.messageID, serverTimestamp: envelope.serverTimestamp)
    }
}

/// A device list verified outside a transaction (the signatures are the expensive part), committed
/// inside one: compared with the stored record there, so a concurrent change is never overwritten.
struct ListAcceptance: Sendable {
    let list: VerifiedDeviceList
    let time: UInt64
    let retention: UInt64

    init(list: VerifiedDeviceList, at time: UInt64, retention: UInt64) {
        self.list = list
        self.time = time
        self.retention = retention
    }

    /// Stores the new record and trusts each listed identity for its device; the change, or `nil` when
    /// the list changes nothing. A rollback or an equivocation throws (`DeviceListError`).
    func commit<Transaction: StoreTransaction>(in t: inout Transaction) throws -> DeviceListChange? {
        let user = list.user
        let previous = try t.deviceList(for: user)
        let change = try previous.map { try $0.list.change(to: list) } ?? DeviceListChange(previous: nil, current: list, identityChanged: false)
        let record = (previous ?? DeviceListRecord(list: list)).applying(change, at: time).pruning(removedBefore: time &- retention).record
        guard previous == nil || change.safetyNumberChanged || previous!.list.version != list.version || record.stale != previous!.stale
        else { return nil }
        try t.storeDeviceList(record, for: user)
        for device in list.devices { try t.saveIdentity(device.identityKey, for: device.address.protocolAddress) }
        return change
    }
}
