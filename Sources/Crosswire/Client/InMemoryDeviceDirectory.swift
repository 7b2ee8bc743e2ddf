import CrosswireCrypto

/// A device directory in memory (SPEC §12.8), with a real one's rules: lists only from the account's
/// primary and never rolled back, bundles with each one-time prekey handed out once, submissions that
/// cover exactly the listed devices (409) with current registration ids (410), per-device queues. For
/// tests, the demo and the convergence simulator; the server package implements the same protocol.
public actor InMemoryDeviceDirectory: DeviceDirectory {
    struct Keys {
        var published: PublishedKeys
        var oneTime: [(id: PreKeyID, key: ECPublicKey)]
        var kem: [(id: KEMPreKeyID, key: MLKEMPublicKey, signature: [UInt8], lastResort: Bool)]
    }

    private var lists: [UserAddress: SignedDeviceList] = [:]
    private var verified: [UserAddress: VerifiedDeviceList] = [:]
    private var keys: [DeviceAddress: Keys] = [:]
    private var queues: [DeviceAddress: [Envelope]] = [:]
    private let now: @Sendable () -> UInt64
    private let serverKey: ECKeyPair
    private let serverCertificate: ServerCertificate
    /// The sealed-sender trust root clients of this directory pin.
    public nonisolated let trustRoot: ECPublicKey
    /// How long a sender certificate lasts: one day.
    public static let certificateLifetime: UInt64 = 24 * 3_600_000
    /// How many bundles were handed out, for tests.
    public private(set) var bundlesServed = 0
    /// How many submissions were refused with 409 or 410, for tests.
    public private(set) var refusedSubmissions = 0

    /// A directory whose server timestamps come from `now` (milliseconds since 1970).
    public init(now: @escaping @Sendable () -> UInt64 = { 0 }) {
        self.now = now
        let root = ECKeyPair.generate()
        serverKey = ECKeyPair.generate()
        serverCertificate = ServerCertificate(keyID: 1, key: serverKey.publicKey, trustRoot: root.privateKey)
        trustRoot = root.publicKey
    }

    /// A certificate for a listed device, valid for `certificateLifetime`.
    public func senderCertificate(for device: DeviceAddress) throws(DirectoryError) -> SenderCertificate {
        guard let listed = verified[device.user]?.device(device.device) else {
            throw DirectoryError(.notFound, "\(device) is not on its account's list")
        }
        return SenderCertificate(senderUUID: device.user.description, senderDevice: device.device, expiration: now() &+ Self.certificateLifetime,
                                 identityKey: listed.identityKey, signer: serverCertificate, serverKey: serverKey.privateKey)
    }

    /// Verifies and keeps `list`: the first list of an account registers it; later ones must verify and,
    /// under the same primary identity, have a higher version. Devices dropped lose their keys and queue.
    public func publish(_ list: SignedDeviceList, for user: UserAddress) throws(DirectoryError) {
        let next: VerifiedDeviceList
        do {
            next = try list.verified(for: user)
        } catch {
            throw DirectoryError(.unauthorized, "the list does not verify: \(error.code): \(error.reason)", underlying: error)
        }
        if let current = verified[user], current.primaryIdentity == next.primaryIdentity, next.version <= current.version {
            throw DirectoryError(.invalidRequest, "version \(next.version) does not replace version \(current.version)")
        }
        let listed = Set(next.addresses)
        for address in keys.keys where address.user == user && !listed.contains(address) { keys[address] = nil }
        for address in queues.keys where address.user == user && !listed.contains(address) { queues[address] = nil }
        for device in next.devices {
            if let held = keys[device.address], held.published.identityKey != device.identityKey { keys[device.address] = nil }
        }
        lists[user] = list
        verified[user] = next
    }

    /// Keeps a listed device's keys; its identity and registration id must be the listed ones.
    public func upload(_ published: PublishedKeys, for device: DeviceAddress) throws(DirectoryError) {
        guard let listed = verified[device.user]?.device(device.device) else {
            throw DirectoryError(.notFound, "\(device) is not on its account's list")
        }
        guard listed.identityKey == published.identityKey, listed.registrationID == published.registrationID else {
            throw DirectoryError(.unauthorized, "the keys of \(device) are not those its list names")
        }
        var held = keys[device] ?? Keys(published: published, oneTime: [], kem: [])
        if published.signedPreKey != nil { held.published = published }
        held.oneTime += published.oneTimePreKeys
        held.kem = published.kemPreKeys.filter { !$0.lastResort }.map { $0 } + held.kem.filter { !$0.lastResort }
            + (published.kemPreKeys.filter(\.lastResort).last.map { [$0] } ?? held.kem.filter(\.lastResort))
        keys[device] = held
    }

    /// The account's current list.
    public func deviceList(for user: UserAddress) throws(DirectoryError) -> SignedDeviceList {
        guard let list = lists[user] else { throw DirectoryError(.notFound, "no account \(user)") }
        return list
    }

    /// One bundle per device, taking one one-time prekey (and one-time KEM prekey) each.
    public func bundles(for user: UserAddress, devices: [DeviceID]) throws(DirectoryError) -> [PreKeyBundle] {
        var bundles: [PreKeyBundle] = []
        for id in devices {
            guard let address = try? DeviceAddress(user: user, device: id), var held = keys[address],
                  let signed = held.published.signedPreKey ?? keys[address]?.published.signedPreKey else {
                throw DirectoryError(.notFound, "no keys for \(user)/\(id.rawValue)")
            }
            let oneTime = held.oneTime.isEmpty ? nil : held.oneTime.removeFirst()
            let kemIndex = held.kem.firstIndex { !$0.lastResort } ?? held.kem.firstIndex { $0.lastResort }
            let kem = kemIndex.map { held.kem[$0] }
            if let kemIndex, !held.kem[kemIndex].lastResort { held.kem.remove(at: kemIndex) }
            keys[address] = held
            do {
                bundles.append(try PreKeyBundle(
                    registrationID: held.published.registrationID, deviceID: id, identityKey: held.published.identityKey,
                    signedPreKeyID: signed.id, signedPreKey: signed.key, signedPreKeySignature: signed.signature,
                    preKeyID: oneTime?.id, preKey: oneTime?.key, kemPreKeyID: kem?.id, kemPreKey: kem?.key, kemPreKeySignature: kem?.signature))
            } catch {
                throw DirectoryError(.unavailable, "a stored bundle does not verify: \(error.reason)", underlying: error)
            }
            bundlesServed += 1
        }
        return bundles
    }

    /// Queues the envelopes if they cover exactly the listed devices with their registration ids.
    public func submit(_ messages: [OutgoingMessage], to user: UserAddress) throws(DirectoryError) {
        guard let list = verified[user] else { throw DirectoryError(.notFound, "no account \(user)") }
        guard messages.allSatisfy({ $0.envelope.recipient.user == user }) else {
            throw DirectoryError(.invalidRequest, "every envelope of a submission is for a device of \(user)")
        }
        // A sender's own device is not sent its own copy.
        let sender = messages.first?.envelope.sender
        let expected = Set(list.devices.map(\.deviceID).filter { sender == nil || sender!.user != user || $0 != sender!.device })
        let named = Set(messages.map(\.envelope.recipient.device))
        guard named.count == messages.count else { throw DirectoryError(.invalidRequest, "a device is named twice") }
        if named != expected {
            refusedSubmissions += 1
            throw DirectoryError(.mismatchedDevices, "the submission does not cover \(user)'s listed devices",
                                 missing: expected.subtracting(named).sorted { $0.rawValue < $1.rawValue },
                                 extra: named.subtracting(expected).sorted { $0.rawValue < $1.rawValue })
        }
        let stale = messages.filter { list.device($0.envelope.recipient.device)?.registrationID != $0.registrationID }
            .map(\.envelope.recipient.device)
        if !stale.isEmpty {
            refusedSubmissions += 1
            throw DirectoryError(.staleDevices, "devices of \(user) were re-installed", stale: stale.sorted { $0.rawValue < $1.rawValue })
        }
        let time = now()
        for message in messages {
            queues[message.envelope.recipient, default: []].append(message.envelope.stamped(at: time))
        }
    }

    /// `device`'s queue, oldest first.
    public func pending(for device: DeviceAddress) -> [Envelope] { queues[device] ?? [] }

    /// Drops acknowledged envelopes from `device`'s queue.
    public func acknowledge(_ ids: [MessageID], for device: DeviceAddress) {
        let acknowledged = Set(ids)
        queues[device]?.removeAll { acknowledged.contains($0.messageID) }
    }

    /// Every queued envelope, for tests and the demo: what the relay holds is ciphertext only.
    public var queuedEnvelopes: [Envelope] { queues.values.flatMap { $0 } }
}
