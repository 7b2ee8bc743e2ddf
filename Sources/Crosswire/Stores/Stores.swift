import CrosswireCrypto
import CrosswireWire

/// Which way a message travels when trust is checked (libsignal's `Direction`).
public enum TrustDirection: Sendable {
    case sending, receiving
}

/// The device's own identity and what it trusts of others. Implementations decide the trust policy;
/// the in-memory store trusts on first use and refuses a changed key.
public protocol IdentityKeyStore: Sendable {
    func identityKeyPair() async throws -> IdentityKeyPair
    func localRegistrationID() async throws -> UInt32
    /// Records `identity` for `address`; returns `true` when it replaced a different key.
    @discardableResult
    func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) async throws -> Bool
    func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) async throws -> Bool
    func identity(for address: ProtocolAddress) async throws -> IdentityKey?
}

public protocol PreKeyStore: Sendable {
    func preKey(id: PreKeyID) async throws -> OneTimePreKey?
    func storePreKey(_ preKey: OneTimePreKey) async throws
    func removePreKey(id: PreKeyID) async throws
}

public protocol SignedPreKeyStore: Sendable {
    func signedPreKey(id: SignedPreKeyID) async throws -> SignedPreKey?
    func storeSignedPreKey(_ signedPreKey: SignedPreKey) async throws
}

/// ML-KEM prekeys for PQXDH. `markKEMPreKeyUsed` deletes a one-time key; for a last-resort key it
/// records the (KEM prekey, signed prekey, base key) triple and refuses one already seen.
public protocol KEMPreKeyStore: Sendable {
    func kemPreKey(id: KEMPreKeyID) async throws -> KEMPreKey?
    func storeKEMPreKey(_ preKey: KEMPreKey) async throws
    /// Whether this triple was already used with a last-resort key (a replayed session start).
    func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws -> Bool
    func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws
}

public protocol SessionStore: Sendable {
    func session(for address: ProtocolAddress) async throws -> SessionRecord?
    func storeSession(_ record: SessionRecord, for address: ProtocolAddress) async throws
}

/// Everything a 1:1 session needs; KEM prekeys and sender keys get their own protocols.
public typealias SignalProtocolStore = IdentityKeyStore & PreKeyStore & SignedPreKeyStore & KEMPreKeyStore & SessionStore

/// All four stores in memory, for tests, tools and apps that persist elsewhere. An actor: safe to share
/// between tasks.
public actor InMemorySignalProtocolStore: IdentityKeyStore, PreKeyStore, SignedPreKeyStore, KEMPreKeyStore, SessionStore, SenderKeyStore {
    private let identity: IdentityKeyPair
    private let registrationID: UInt32
    private var identities: [ProtocolAddress: IdentityKey] = [:]
    private var preKeys: [PreKeyID: OneTimePreKey] = [:]
    private var signedPreKeys: [SignedPreKeyID: SignedPreKey] = [:]
    private var sessions: [ProtocolAddress: SessionRecord] = [:]
    private var senderKeys: [SenderKeyName: SenderKeyRecord] = [:]
    private var kemPreKeys: [KEMPreKeyID: KEMPreKey] = [:]
    /// Hex of (KEM prekey id ‖ signed prekey id ‖ base key) for last-resort uses.
    private var usedLastResort: Set<String> = []

    public init(identity: IdentityKeyPair, registrationID: UInt32) {
        self.identity = identity
        self.registrationID = registrationID
    }

    public func identityKeyPair() -> IdentityKeyPair { identity }
    public func localRegistrationID() -> UInt32 { registrationID }

    @discardableResult
    public func saveIdentity(_ key: IdentityKey, for address: ProtocolAddress) -> Bool {
        let previous = identities.updateValue(key, forKey: address)
        return previous != nil && previous != key
    }

    public func isTrustedIdentity(_ key: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) -> Bool {
        guard let known = identities[address] else { return true }
        return known == key
    }

    public func identity(for address: ProtocolAddress) -> IdentityKey? { identities[address] }

    public func preKey(id: PreKeyID) -> OneTimePreKey? { preKeys[id] }
    public func storePreKey(_ preKey: OneTimePreKey) { preKeys[preKey.id] = preKey }
    public func removePreKey(id: PreKeyID) { preKeys[id] = nil }
    public var preKeyCount: Int { preKeys.count }

    public func signedPreKey(id: SignedPreKeyID) -> SignedPreKey? { signedPreKeys[id] }
    public func storeSignedPreKey(_ signedPreKey: SignedPreKey) { signedPreKeys[signedPreKey.id] = signedPreKey }

    public func session(for address: ProtocolAddress) -> SessionRecord? { sessions[address] }
    public func storeSession(_ record: SessionRecord, for address: ProtocolAddress) { sessions[address] = record }

    public func kemPreKey(id: KEMPreKeyID) -> KEMPreKey? { kemPreKeys[id] }
    public func storeKEMPreKey(_ preKey: KEMPreKey) { kemPreKeys[preKey.id] = preKey }
    public var kemPreKeyCount: Int { kemPreKeys.count }

    private static func triple(_ id: KEMPreKeyID, _ signed: SignedPreKeyID, _ base: ECPublicKey) -> String {
        "\(id.rawValue).\(signed.rawValue).\(Hex.encode(base.rawRepresentation))"
    }

    public func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) -> Bool {
        usedLastResort.contains(Self.triple(id, signedPreKeyID, baseKey))
    }

    public func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) {
        guard let key = kemPreKeys[id] else { return }
        if key.isLastResort {
            usedLastResort.insert(Self.triple(id, signedPreKeyID, baseKey))
        } else {
            kemPreKeys[id] = nil
        }
    }

    public func senderKey(for name: SenderKeyName) -> SenderKeyRecord? { senderKeys[name] }
    public func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) { senderKeys[name] = record }

    /// Every record in serialized form, in a fixed order: lets tests prove that a failed operation left
    /// the store byte-for-byte unchanged. Secret.
    package func snapshot() -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for (address, key) in identities { out["identity/\(address)"] = key.serialized }
        for (id, key) in preKeys { out["prekey/\(id)"] = key.serialized }
        for (id, key) in signedPreKeys { out["signed/\(id)"] = key.serialized }
        for (address, record) in sessions { out["session/\(address)"] = record.serialized }
        for (name, record) in senderKeys { out["senderkey/\(name)"] = record.serialized }
        for (id, key) in kemPreKeys { out["kemprekey/\(id)"] = key.serialized }
        for triple in usedLastResort { out["kemused/\(triple)"] = [] }
        return out
    }

    /// Puts back what `snapshot()` returned (tests only).
    package func restore(_ snapshot: [String: [UInt8]]) throws {
        identities = [:]; preKeys = [:]; signedPreKeys = [:]; sessions = [:]; senderKeys = [:]; kemPreKeys = [:]; usedLastResort = []
        func address(_ text: Substring) -> ProtocolAddress {
            let parts = text.split(separator: ".")
            return ProtocolAddress(name: parts.dropLast().joined(separator: "."), deviceID: DeviceID(UInt32(parts.last!)!))
        }
        for (key, bytes) in snapshot {
            let parts = key.split(separator: "/", maxSplits: 1)
            switch parts[0] {
            case "identity": identities[address(parts[1])] = try IdentityKey(serialized: bytes)
            case "prekey": let k = try OneTimePreKey(serialized: bytes); preKeys[k.id] = k
            case "signed": let k = try SignedPreKey(serialized: bytes); signedPreKeys[k.id] = k
            case "kemprekey": let k = try KEMPreKey(serialized: bytes); kemPreKeys[k.id] = k
            case "kemused": usedLastResort.insert(String(parts[1]))
            case "senderkey":
                let nameParts = parts[1].split(separator: "/", maxSplits: 1)
                senderKeys[SenderKeyName(groupID: try Hex.decode(String(nameParts[0])), sender: address(nameParts[1]))] = try SenderKeyRecord(serialized: bytes)
            default: sessions[address(parts[1])] = try SessionRecord(serialized: bytes)
            }
        }
    }
}
