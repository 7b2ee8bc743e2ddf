/// What the directory keeps, behind one protocol so that SQLite (embedded, the default) and PostgreSQL
/// (to scale out) are interchangeable without touching a handler (SPEC §15.3). Every method is one
/// transaction. Rows hold public keys, hashes and ciphertext only. Verification of lists, signatures
/// and submissions is the service's job; storage keeps what it is given, atomically.
public protocol DirectoryStorage: Sendable {
    /// Creates an account with its first list, its primary device and the primary's credential
    /// (`exists` when the user is taken).
    func createAccount(_ account: AccountRow, primary: DeviceRow, credential: [UInt8], identity: [UInt8]) async throws(StorageError)
    /// The account of `user`, with its devices.
    func account(_ user: String) async throws(StorageError) -> (AccountRow, [DeviceRow])?
    /// Replaces the list when the stored version is still `expectedVersion` (else `conflict`): devices
    /// not in `devices` lose their keys, queue and credentials; a device whose identity key changed
    /// loses its keys.
    func replaceList(_ account: AccountRow, devices: [DeviceRow], expectedVersion: UInt64) async throws(StorageError)
    /// The device a credential hash belongs to, with the identity key it was issued for.
    func device(forCredential hash: [UInt8]) async throws(StorageError) -> (user: String, device: Int, identity: [UInt8])?
    /// Stores keys of a device while it is listed with `identity` (else `conflict`): a signed prekey
    /// replaces the old one, one-time prekeys are added, a last-resort KEM prekey replaces the old one.
    func storeKeys(_ keys: KeyUpload, user: String, device: Int, identity: [UInt8]) async throws(StorageError)
    /// The bundle parts of each of `devices`, claiming each one's oldest one-time prekey and one-time KEM
    /// prekey (else the last-resort one), all in one transaction: each is handed out exactly once, and
    /// when a device has no signed prekey nothing is claimed (`nil`).
    func claimBundles(user: String, devices: [Int]) async throws(StorageError) -> [BundleRow]?
    /// Queues envelopes for devices of `user` when the list is still at `listVersion` (else `conflict`),
    /// all or none; `queueFull` when one queue would pass `cap`. Re-queuing a message id is a no-op.
    func enqueue(_ envelopes: [QueuedEnvelope], user: String, listVersion: UInt64, cap: Int) async throws(StorageError)
    /// Up to `limit` envelopes of a device, oldest first, and whether more are queued.
    func pending(user: String, device: Int, limit: Int) async throws(StorageError) -> (envelopes: [[UInt8]], more: Bool)
    /// Removes acknowledged envelopes of a device.
    func acknowledge(_ messageIDs: [[UInt8]], user: String, device: Int) async throws(StorageError)
    /// Link codes: created by a new device, approved by the primary (with the companion's credential,
    /// handed out once), countersigned by the companion.
    func createLink(_ link: LinkRow) async throws(StorageError)
    /// The link behind a code.
    func link(_ code: String) async throws(StorageError) -> LinkRow?
    /// Approves a link once (`exists` when it was): stores the approval, the companion's credential (for
    /// `identity` at `device`) and its token for collection, in one transaction.
    func approveLink(_ code: String, approval: [[UInt8]], credential: [UInt8], token: String, device: Int, identity: [UInt8]) async throws(StorageError)
    /// The companion's token, read and cleared in one transaction: `nil` once collected.
    func collectLinkToken(_ code: String) async throws(StorageError) -> String?
    /// Stores the companion's attestation.
    func attestLink(_ code: String, attestation: [UInt8]) async throws(StorageError)
    /// Counts an event against a key (rate limits): returns the count within the current window.
    func count(_ key: String, window: Int64, now: Int64) async throws(StorageError) -> Int
}

/// An account: its current signed list and what the server reads out of it.
public struct AccountRow: Sendable, Equatable {
    public var user: String
    public var list: [UInt8]
    public var version: UInt64
    public var primaryIdentity: [UInt8]
    public var accessKey: [UInt8]

    public init(user: String, list: [UInt8], version: UInt64, primaryIdentity: [UInt8], accessKey: [UInt8]) {
        self.user = user
        self.list = list
        self.version = version
        self.primaryIdentity = primaryIdentity
        self.accessKey = accessKey
    }
}

/// A listed device.
public struct DeviceRow: Sendable, Equatable {
    public var device: Int
    public var registrationID: Int
    public var identityKey: [UInt8]

    public init(device: Int, registrationID: Int, identityKey: [UInt8]) {
        self.device = device
        self.registrationID = registrationID
        self.identityKey = identityKey
    }
}

/// A prekey as stored: id, public key, signature when it has one.
public struct PreKeyRow: Sendable, Equatable {
    public var id: Int
    public var key: [UInt8]
    public var signature: [UInt8]
    public var lastResort: Bool

    public init(id: Int, key: [UInt8], signature: [UInt8] = [], lastResort: Bool = false) {
        self.id = id
        self.key = key
        self.signature = signature
        self.lastResort = lastResort
    }
}

/// What a device uploads.
public struct KeyUpload: Sendable {
    public var signed: PreKeyRow?
    public var oneTime: [PreKeyRow]
    public var kem: [PreKeyRow]

    public init(signed: PreKeyRow?, oneTime: [PreKeyRow], kem: [PreKeyRow]) {
        self.signed = signed
        self.oneTime = oneTime
        self.kem = kem
    }
}

/// A bundle's parts.
public struct BundleRow: Sendable {
    public var signed: PreKeyRow
    public var oneTime: PreKeyRow?
    public var kem: PreKeyRow?
}

/// An envelope to queue.
public struct QueuedEnvelope: Sendable {
    public var device: Int
    public var messageID: [UInt8]
    public var envelope: [UInt8]

    public init(device: Int, messageID: [UInt8], envelope: [UInt8]) {
        self.device = device
        self.messageID = messageID
        self.envelope = envelope
    }
}

/// A link in progress.
public struct LinkRow: Sendable, Equatable {
    public var code: String
    public var user: String
    public var registrationID: Int
    public var identityKey: [UInt8]
    public var createdAt: Int64
    /// The approval as JSON-ready parts: device identity, account signature, primary identity.
    public var approval: [[UInt8]]?
    /// The companion's bearer token, until the companion collects it (then `nil` and `collected`).
    public var companionToken: String?
    public var collected: Bool
    public var attestation: [UInt8]?

    public init(code: String, user: String, registrationID: Int, identityKey: [UInt8], createdAt: Int64, approval: [[UInt8]]? = nil,
                companionToken: String? = nil, collected: Bool = false, attestation: [UInt8]? = nil) {
        self.code = code
        self.user = user
        self.registrationID = registrationID
        self.identityKey = identityKey
        self.createdAt = createdAt
        self.approval = approval
        self.companionToken = companionToken
        self.collected = collected
        self.attestation = attestation
    }
}
