import CrosswireCrypto

extension InMemorySignalProtocolStore {
    /// One transaction of the in-memory store: reads see the store and this transaction's own writes,
    /// which collect in a private overlay and reach the store only when the body returned.
    public struct Transaction: StoreTransaction {
        let held: Held
        let identity: IdentityKeyPair
        let registrationID: RegistrationID
        let trustPolicy: TrustPolicy
        var changes = Changes()

        init(held: Held, identity: IdentityKeyPair, registrationID: RegistrationID, trustPolicy: TrustPolicy) {
            self.held = held
            self.identity = identity
            self.registrationID = registrationID
            self.trustPolicy = trustPolicy
        }

        private var base: Contents { held.contents }

        /// The identity given at creation.
        public func identityKeyPair() -> IdentityKeyPair { identity }
        /// The registration id given at creation.
        public func localRegistrationID() -> RegistrationID { registrationID }

        /// Records `key` for `address`; `true` when it replaced a different key.
        @discardableResult
        public mutating func saveIdentity(_ key: IdentityKey, for address: ProtocolAddress) -> Bool {
            let previous = identity(for: address)
            changes.identities[address] = key
            return previous != nil && previous != key
        }

        /// Trust on first use; a changed key only for receiving, and only under `acceptChangesOnReceipt`.
        public func isTrustedIdentity(_ key: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) -> Bool {
            guard let known = identity(for: address) else { return true }
            return known == key || (direction == .receiving && trustPolicy == .acceptChangesOnReceipt)
        }

        /// The key saved for `address`, this transaction's write included.
        public func identity(for address: ProtocolAddress) -> IdentityKey? {
            changes.identities[address] ?? base.identities[address]
        }

        /// The session record for `address`.
        public func session(for address: ProtocolAddress) -> SessionRecord? {
            if let written = changes.session, written.address == address { return written.record }
            if !changes.sessions.isEmpty, let written = changes.sessions[address] { return written }
            return base.sessions[address]
        }
        /// Replaces the session record for `address` when the transaction commits.
        public mutating func storeSession(_ record: SessionRecord, for address: ProtocolAddress) {
            if changes.session == nil || changes.session!.address == address {
                changes.session = (address, record)
            } else {
                changes.sessions[address] = record
            }
        }

        /// The one-time prekey `id`, while unused.
        public func preKey(id: PreKeyID) -> OneTimePreKey? {
            Self.overlay(id, changes.preKeys, base.preKeys)
        }
        /// Keeps `preKey`; another key under its id is an `idCollision`.
        public mutating func storePreKey(_ preKey: OneTimePreKey) throws(StoreError) {
            try Self.refuseCollision(self.preKey(id: preKey.id)?.keyPair.publicKey, preKey.keyPair.publicKey, "one-time prekey", preKey.id)
            changes.preKeys[preKey.id] = .some(preKey)
            changes.lastIssued.preKey = preKey.id.rawValue
        }
        /// Deletes the one-time prekey `id`.
        public mutating func removePreKey(id: PreKeyID) { changes.preKeys[id] = .some(nil) }
        /// The ids of the one-time prekeys held, ascending.
        public func preKeyIDs() -> [PreKeyID] {
            var ids = Set(base.preKeys.keys)
            for (id, key) in changes.preKeys { if key == nil { ids.remove(id) } else { ids.insert(id) } }
            return ids.sorted { $0.rawValue < $1.rawValue }
        }

        /// The signed prekey `id`, if kept.
        public func signedPreKey(id: SignedPreKeyID) -> SignedPreKey? {
            Self.overlay(id, changes.signedPreKeys, base.signedPreKeys)
        }
        /// Keeps `signedPreKey`; another key under its id is an `idCollision`.
        public mutating func storeSignedPreKey(_ signedPreKey: SignedPreKey) throws(StoreError) {
            try Self.refuseCollision(self.signedPreKey(id: signedPreKey.id)?.keyPair.publicKey, signedPreKey.keyPair.publicKey, "signed prekey", signedPreKey.id)
            changes.signedPreKeys[signedPreKey.id] = .some(signedPreKey)
            changes.lastIssued.signedPreKey = signedPreKey.id.rawValue
        }
        /// Deletes the signed prekey `id` and the last-resort uses recorded against it.
        public mutating func removeSignedPreKey(id: SignedPreKeyID) {
            changes.signedPreKeys[id] = .some(nil)
            changes.prunedSignedPreKeys.insert(id)
            changes.usedLastResort = changes.usedLastResort.filter { $0.signedPreKeyID != id }
        }
        /// The one-time prekey id most recently stored.
        public func lastIssuedPreKeyID() -> PreKeyID? { lastIssued.preKey == 0 ? nil : PreKeyID(lastIssued.preKey) }
        /// The signed prekey id most recently stored.
        public func lastIssuedSignedPreKeyID() -> SignedPreKeyID? { lastIssued.signedPreKey == 0 ? nil : SignedPreKeyID(lastIssued.signedPreKey) }
        /// The KEM prekey id most recently stored.
        public func lastIssuedKEMPreKeyID() -> KEMPreKeyID? { lastIssued.kemPreKey == 0 ? nil : KEMPreKeyID(lastIssued.kemPreKey) }

        private var lastIssued: LastIssued {
            var merged = base.lastIssued
            if changes.lastIssued.preKey != 0 { merged.preKey = changes.lastIssued.preKey }
            if changes.lastIssued.signedPreKey != 0 { merged.signedPreKey = changes.lastIssued.signedPreKey }
            if changes.lastIssued.kemPreKey != 0 { merged.kemPreKey = changes.lastIssued.kemPreKey }
            return merged
        }

        /// Every signed prekey held.
        public func signedPreKeys() -> [SignedPreKey] {
            Self.merge(base.signedPreKeys, changes.signedPreKeys).sorted { $0.id.rawValue < $1.id.rawValue }
        }

        /// The KEM prekey `id`, while kept.
        public func kemPreKey(id: KEMPreKeyID) -> KEMPreKey? {
            Self.overlay(id, changes.kemPreKeys, base.kemPreKeys)
        }
        /// Keeps `preKey`; another key under its id is an `idCollision`.
        public mutating func storeKEMPreKey(_ preKey: KEMPreKey) throws(StoreError) {
            try Self.refuseCollision(kemPreKey(id: preKey.id)?.publicKey, preKey.publicKey, "KEM prekey", preKey.id)
            changes.kemPreKeys[preKey.id] = .some(preKey)
            changes.lastIssued.kemPreKey = preKey.id.rawValue
        }
        /// Deletes the KEM prekey `id` and the last-resort uses recorded against it.
        public mutating func removeKEMPreKey(id: KEMPreKeyID) {
            changes.kemPreKeys[id] = .some(nil)
            changes.prunedKEMPreKeys.insert(id)
            changes.usedLastResort = changes.usedLastResort.filter { $0.kemPreKeyID != id }
        }
        /// Every KEM prekey held.
        public func kemPreKeys() -> [KEMPreKey] {
            Self.merge(base.kemPreKeys, changes.kemPreKeys).sorted { $0.id.rawValue < $1.id.rawValue }
        }
        /// Whether this last-resort triple was already marked used.
        public func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) -> Bool {
            let use = LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
            if changes.usedLastResort.contains(use) { return true }
            if changes.prunedSignedPreKeys.contains(signedPreKeyID) || changes.prunedKEMPreKeys.contains(id) { return false }
            return base.usedLastResort.contains(use)
        }
        /// Deletes a one-time KEM prekey, or remembers the triple of a last-resort one.
        public mutating func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) {
            guard let key = kemPreKey(id: id) else { return }
            if key.isLastResort {
                changes.usedLastResort.insert(LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey))
            } else {
                changes.kemPreKeys[id] = .some(nil)
            }
        }

        /// The sender key record for `name`.
        public func senderKey(for name: SenderKeyName) -> SenderKeyRecord? {
            changes.senderKeys[name] ?? base.senderKeys[name]
        }
        /// Replaces the sender key record for `name` when the transaction commits.
        public mutating func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) { changes.senderKeys[name] = record }

        /// The device-list record of `user`.
        public func deviceList(for user: UserAddress) -> DeviceListRecord? { changes.deviceLists[user] ?? base.deviceLists[user] }
        /// Replaces the device-list record of `user` when the transaction commits.
        public mutating func storeDeviceList(_ record: DeviceListRecord, for user: UserAddress) { changes.deviceLists[user] = record }

        /// The record of group `id`.
        public func group(for id: GroupID) -> GroupRecord? { changes.groups[id] ?? base.groups[id] }
        /// Replaces the record of group `id` when the transaction commits.
        public mutating func storeGroup(_ record: GroupRecord, for id: GroupID) { changes.groups[id] = record }

        /// A value as this transaction sees it: its own write or deletion, else the store's.
        private static func overlay<Key: Hashable, Value>(_ key: Key, _ changed: [Key: Value?], _ base: [Key: Value]) -> Value? {
            if let change = changed[key] { return change }
            return base[key]
        }

        /// Storing the same key again is a no-op; another key under a held id is an `idCollision`.
        private static func refuseCollision<PublicKey: Equatable>(_ held: PublicKey?, _ new: PublicKey, _ kind: String, _ id: some CustomStringConvertible) throws(StoreError) {
            if let held, held != new { throw StoreError(.idCollision, "another \(kind) is already stored as \(id)") }
        }

        private static func merge<Key: Hashable, Value>(_ base: [Key: Value], _ changed: [Key: Value?]) -> [Value] {
            var merged = base
            for (key, value) in changed { merged[key] = value }
            return Array(merged.values)
        }
    }

    /// A transaction's writes; a `.some(nil)` entry is a deletion.
    struct Changes {
        var identities: [ProtocolAddress: IdentityKey] = [:]
        /// The first session written: a 1:1 operation writes exactly one, so it stays out of a
        /// dictionary (no allocation, one hash fewer); any other address goes to `sessions`.
        var session: (address: ProtocolAddress, record: SessionRecord)?
        var sessions: [ProtocolAddress: SessionRecord] = [:]
        var senderKeys: [SenderKeyName: SenderKeyRecord] = [:]
        var deviceLists: [UserAddress: DeviceListRecord] = [:]
        var groups: [GroupID: GroupRecord] = [:]
        var preKeys: [PreKeyID: OneTimePreKey?] = [:]
        var signedPreKeys: [SignedPreKeyID: SignedPreKey?] = [:]
        var kemPreKeys: [KEMPreKeyID: KEMPreKey?] = [:]
        var usedLastResort: Set<LastResortUse> = []
        var prunedSignedPreKeys: Set<SignedPreKeyID> = []
        var prunedKEMPreKeys: Set<KEMPreKeyID> = []
        var lastIssued = LastIssued()

        func apply(to contents: inout Contents) {
            for (address, key) in identities { contents.identities[address] = key }
            if let session { contents.sessions[session.address] = session.record }
            for (address, record) in sessions { contents.sessions[address] = record }
            for (name, record) in senderKeys { contents.senderKeys[name] = record }
            for (user, record) in deviceLists { contents.deviceLists[user] = record }
            for (id, record) in groups { contents.groups[id] = record }
            for (id, key) in preKeys { contents.preKeys[id] = key }
            for (id, key) in signedPreKeys { contents.signedPreKeys[id] = key }
            for (id, key) in kemPreKeys { contents.kemPreKeys[id] = key }
            if !prunedSignedPreKeys.isEmpty || !prunedKEMPreKeys.isEmpty {
                contents.usedLastResort = contents.usedLastResort.filter {
                    !prunedSignedPreKeys.contains($0.signedPreKeyID) && !prunedKEMPreKeys.contains($0.kemPreKeyID)
                }
            }
            contents.usedLastResort.formUnion(usedLastResort)
            if lastIssued.preKey != 0 { contents.lastIssued.preKey = lastIssued.preKey }
            if lastIssued.signedPreKey != 0 { contents.lastIssued.signedPreKey = lastIssued.signedPreKey }
            if lastIssued.kemPreKey != 0 { contents.lastIssued.kemPreKey = lastIssued.kemPreKey }
        }
    }
}
