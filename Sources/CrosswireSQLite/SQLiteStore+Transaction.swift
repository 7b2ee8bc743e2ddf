import CrosswireCrypto
import Crosswire
import Foundation
import GRDB

extension SQLiteStore {
    /// One `BEGIN IMMEDIATE` transaction: every read and write of a cipher operation, plus whatever the
    /// app writes through ``database`` (its own tables in the same file), commits together.
    public struct Transaction: StoreTransaction {
        /// The open transaction's connection: write the app's own rows here to commit them atomically
        /// with the operation (receive-then-store exactly once).
        public let database: Database
        let sealer: RowSealer
        let local: LocalIdentity?
        let trustPolicy: TrustPolicy

        /// Runs one access to the file; a database failure becomes a `StoreError` saying what it was
        /// doing (`databaseFailure` for a corrupt page, `busy`, `diskFull`), a `StoreError` passes through.
        private func access<T>(_ doing: String, _ body: () throws -> T) throws(StoreError) -> T {
            do {
                return try body()
            } catch {
                throw StoreError(error, doing)
            }
        }

        // MARK: Identity

        /// This device's identity; `noLocalIdentity` before ``SQLiteStore/createLocalIdentity(_:registrationID:)``.
        public func identityKeyPair() throws -> IdentityKeyPair { try requireLocal().keyPair }
        /// This device's registration id.
        public func localRegistrationID() throws -> RegistrationID { try requireLocal().registrationID }

        private func requireLocal() throws(StoreError) -> LocalIdentity {
            guard let local else { throw StoreError(.noLocalIdentity, "the store has no local identity: call createLocalIdentity first") }
            return local
        }

        /// Saves `identity` for `address`; `true` when it replaced a different key.
        @discardableResult
        public func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) throws -> Bool {
            try access("save an identity row") {
                let previous = try self.identity(for: address)
                if previous == identity { return false }
                try database.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.identities) (name, device, sealed) VALUES (?, ?, ?)")
                    .execute(arguments: [address.name, Int64(address.deviceID.rawValue), Data(sealer.seal(identity.serialized, for: .identity(address)))])
                return previous != nil
            }
        }

        /// Trust on first use; a changed key only for receiving, and only under `acceptChangesOnReceipt`.
        public func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) throws -> Bool {
            guard let known = try self.identity(for: address) else { return true }
            return known == identity || (direction == .receiving && trustPolicy == .acceptChangesOnReceipt)
        }

        /// The key saved for `address`.
        public func identity(for address: ProtocolAddress) throws -> IdentityKey? {
            try access("read an identity row") {
                try database.blob("SELECT sealed FROM \(Schema.identities) WHERE name = ? AND device = ?", [address.name, Int64(address.deviceID.rawValue)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .identity(address)) { try IdentityKey(serialized: $0) } }
            }
        }

        // MARK: Sessions

        /// The session record for `address`.
        public func session(for address: ProtocolAddress) throws -> SessionRecord? {
            try access("read a session row") {
                try database.blob("SELECT sealed FROM \(Schema.sessions) WHERE name = ? AND device = ?", [address.name, Int64(address.deviceID.rawValue)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .session(address)) { try SessionRecord(serialized: $0) } }
            }
        }

        /// Replaces the session record for `address`.
        public func storeSession(_ record: SessionRecord, for address: ProtocolAddress) throws {
            try access("write a session row") {
                var plaintext = record.serialized
                try database.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.sessions) (name, device, sealed) VALUES (?, ?, ?)")
                    .execute(arguments: [address.name, Int64(address.deviceID.rawValue), Data(sealer.seal(wiping: &plaintext, for: .session(address)))])
            }
        }

        /// Every peer device with a session (the app's device lists and safety numbers use them).
        public func sessionAddresses() throws -> [ProtocolAddress] {
            try access("list session rows") {
                try Row.fetchAll(database, sql: "SELECT name, device FROM \(Schema.sessions) ORDER BY name, device").map {
                    ProtocolAddress(name: $0["name"], deviceID: DeviceID(UInt32(truncatingIfNeeded: $0["device"] as Int64)))
                }
            }
        }

        // MARK: One-time prekeys

        /// The one-time prekey `id`, while unused.
        public func preKey(id: PreKeyID) throws -> OneTimePreKey? {
            try access("read a one-time prekey row") {
                try database.blob("SELECT sealed FROM \(Schema.preKeys) WHERE id = ?", [Int64(id.rawValue)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .preKey(id)) { try OneTimePreKey(serialized: $0) } }
            }
        }
        /// Keeps `preKey`; another key under its id is an `idCollision`, the same key again a no-op.
        public func storePreKey(_ preKey: OneTimePreKey) throws {
            try access("write a one-time prekey row") {
                if let held = try self.preKey(id: preKey.id) {
                    guard held.keyPair.publicKey == preKey.keyPair.publicKey else {
                        throw StoreError(.idCollision, "another one-time prekey is already stored as \(preKey.id)")
                    }
                    return
                }
                var plaintext = preKey.serialized
                try database.cachedStatement(sql: "INSERT INTO \(Schema.preKeys) (id, sealed) VALUES (?, ?)")
                    .execute(arguments: [Int64(preKey.id.rawValue), Data(sealer.seal(wiping: &plaintext, for: .preKey(preKey.id)))])
                try setLastIssued("issued.prekey", preKey.id.rawValue)
            }
        }
        /// Deletes the one-time prekey `id`.
        public func removePreKey(id: PreKeyID) throws {
            try access("delete a one-time prekey row") {
                try database.cachedStatement(sql: "DELETE FROM \(Schema.preKeys) WHERE id = ?").execute(arguments: [Int64(id.rawValue)])
            }
        }
        /// The ids held, ascending.
        public func preKeyIDs() throws -> [PreKeyID] {
            try access("list one-time prekey rows") {
                try Int64.fetchAll(database, sql: "SELECT id FROM \(Schema.preKeys) ORDER BY id").map { PreKeyID(UInt32(truncatingIfNeeded: $0)) }
            }
        }

        // MARK: Signed prekeys

        /// The signed prekey `id`, if kept.
        public func signedPreKey(id: SignedPreKeyID) throws -> SignedPreKey? {
            try access("read a signed prekey row") {
                try database.blob("SELECT sealed FROM \(Schema.signedPreKeys) WHERE id = ?", [Int64(id.rawValue)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .signedPreKey(id)) { try SignedPreKey(serialized: $0) } }
            }
        }
        /// Keeps `signedPreKey`; another key under its id is an `idCollision`.
        public func storeSignedPreKey(_ signedPreKey: SignedPreKey) throws {
            try access("write a signed prekey row") {
                if let held = try self.signedPreKey(id: signedPreKey.id) {
                    guard held.keyPair.publicKey == signedPreKey.keyPair.publicKey else {
                        throw StoreError(.idCollision, "another signed prekey is already stored as \(signedPreKey.id)")
                    }
                    return
                }
                var plaintext = signedPreKey.serialized
                try database.cachedStatement(sql: "INSERT INTO \(Schema.signedPreKeys) (id, sealed) VALUES (?, ?)")
                    .execute(arguments: [Int64(signedPreKey.id.rawValue), Data(sealer.seal(wiping: &plaintext, for: .signedPreKey(signedPreKey.id)))])
                try setLastIssued("issued.signed", signedPreKey.id.rawValue)
            }
        }
        /// Deletes the signed prekey `id` and the last-resort uses recorded against it.
        public func removeSignedPreKey(id: SignedPreKeyID) throws {
            try access("delete a signed prekey row") {
                try database.cachedStatement(sql: "DELETE FROM \(Schema.signedPreKeys) WHERE id = ?").execute(arguments: [Int64(id.rawValue)])
                try database.cachedStatement(sql: "DELETE FROM \(Schema.kemPreKeyUses) WHERE signed_id = ?")
                    .execute(arguments: [Int64(id.rawValue)])
            }
        }
        /// Every signed prekey held, by id.
        public func signedPreKeys() throws -> [SignedPreKey] {
            try access("list signed prekey rows") {
                try Row.fetchAll(database, sql: "SELECT id, sealed FROM \(Schema.signedPreKeys) ORDER BY id").map { row throws(StoreError) in
                    let id = SignedPreKeyID(UInt32(truncatingIfNeeded: row["id"] as Int64))
                    return try sealer.decode(Array(row["sealed"] as Data), for: .signedPreKey(id)) { try SignedPreKey(serialized: $0) }
                }
            }
        }

        // MARK: KEM prekeys

        /// The KEM prekey `id`, while kept.
        public func kemPreKey(id: KEMPreKeyID) throws -> KEMPreKey? {
            try access("read a KEM prekey row") {
                try database.blob("SELECT sealed FROM \(Schema.kemPreKeys) WHERE id = ?", [Int64(id.rawValue)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .kemPreKey(id)) { try KEMPreKey(serialized: $0) } }
            }
        }
        /// Keeps `preKey`; another key under its id is an `idCollision`.
        public func storeKEMPreKey(_ preKey: KEMPreKey) throws {
            try access("write a KEM prekey row") {
                if let held = try kemPreKey(id: preKey.id) {
                    guard held.publicKey == preKey.publicKey else {
                        throw StoreError(.idCollision, "another KEM prekey is already stored as \(preKey.id)")
                    }
                    return
                }
                var plaintext = preKey.serialized
                try database.cachedStatement(sql: "INSERT INTO \(Schema.kemPreKeys) (id, sealed) VALUES (?, ?)")
                    .execute(arguments: [Int64(preKey.id.rawValue), Data(sealer.seal(wiping: &plaintext, for: .kemPreKey(preKey.id)))])
                try setLastIssued("issued.kem", preKey.id.rawValue)
            }
        }
        /// Deletes the KEM prekey `id` and the last-resort uses recorded against it.
        public func removeKEMPreKey(id: KEMPreKeyID) throws {
            try access("delete a KEM prekey row") {
                try database.cachedStatement(sql: "DELETE FROM \(Schema.kemPreKeys) WHERE id = ?").execute(arguments: [Int64(id.rawValue)])
                try database.cachedStatement(sql: "DELETE FROM \(Schema.kemPreKeyUses) WHERE kem_id = ?")
                    .execute(arguments: [Int64(id.rawValue)])
            }
        }
        /// Every KEM prekey held, by id.
        public func kemPreKeys() throws -> [KEMPreKey] {
            try access("list KEM prekey rows") {
                try Row.fetchAll(database, sql: "SELECT id, sealed FROM \(Schema.kemPreKeys) ORDER BY id").map { row throws(StoreError) in
                    let id = KEMPreKeyID(UInt32(truncatingIfNeeded: row["id"] as Int64))
                    return try sealer.decode(Array(row["sealed"] as Data), for: .kemPreKey(id)) { try KEMPreKey(serialized: $0) }
                }
            }
        }
        /// Whether this last-resort triple was already marked used.
        public func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) throws -> Bool {
            try access("read a last-resort use row") {
                try Bool.fetchOne(database.cachedStatement(sql: "SELECT 1 FROM \(Schema.kemPreKeyUses) WHERE kem_id = ? AND signed_id = ? AND base_key = ?"),
                                  arguments: [Int64(id.rawValue), Int64(signedPreKeyID.rawValue), Data(baseKey.serialized)]) ?? false
            }
        }
        /// Deletes a one-time KEM prekey, or records the triple of a last-resort one.
        public func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) throws {
            try access("record a KEM prekey use") {
                guard let key = try kemPreKey(id: id) else { return }
                if key.isLastResort {
                    try database.cachedStatement(sql: "INSERT OR IGNORE INTO \(Schema.kemPreKeyUses) (kem_id, signed_id, base_key) VALUES (?, ?, ?)")
                        .execute(arguments: [Int64(id.rawValue), Int64(signedPreKeyID.rawValue), Data(baseKey.serialized)])
                } else {
                    try database.cachedStatement(sql: "DELETE FROM \(Schema.kemPreKeys) WHERE id = ?").execute(arguments: [Int64(id.rawValue)])
                }
            }
        }

        /// The one-time prekey id most recently stored.
        public func lastIssuedPreKeyID() throws -> PreKeyID? { try lastIssued("issued.prekey").map(PreKeyID.init(rawValue:)) }
        /// The signed prekey id most recently stored.
        public func lastIssuedSignedPreKeyID() throws -> SignedPreKeyID? { try lastIssued("issued.signed").map(SignedPreKeyID.init(rawValue:)) }
        /// The KEM prekey id most recently stored.
        public func lastIssuedKEMPreKeyID() throws -> KEMPreKeyID? { try lastIssued("issued.kem").map(KEMPreKeyID.init(rawValue:)) }

        /// Last-issued ids are plain meta rows (4 bytes, big-endian): not secret, only counters.
        private func lastIssued(_ name: String) throws -> UInt32? {
            try access("read a last-issued id") {
                guard let bytes = try database.blob("SELECT value FROM \(Schema.meta) WHERE name = ?", [name]) else { return nil }
                guard bytes.count == 4 else { throw StoreError(.corruptRow, "the meta row \(name) is \(bytes.count) bytes, not 4") }
                return bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            }
        }

        private func setLastIssued(_ name: String, _ id: UInt32) throws {
            try access("write a last-issued id") {
                var bytes: [UInt8] = []
                bytes.appendUInt32(id)
                try database.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.meta) (name, value) VALUES (?, ?)")
                    .execute(arguments: [name, Data(bytes)])
            }
        }

        // MARK: Cross-app records

        /// The device-list record of `user`.
        public func deviceList(for user: UserAddress) throws -> DeviceListRecord? {
            try access("read a device list row") {
                try database.blob("SELECT sealed FROM \(Schema.deviceLists) WHERE user = ?", [user.description])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .deviceList(user)) { try DeviceListRecord(serialized: $0) } }
            }
        }
        /// Replaces the device-list record of `user`.
        public func storeDeviceList(_ record: DeviceListRecord, for user: UserAddress) throws {
            try access("write a device list row") {
                var plaintext = record.serialized
                try database.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.deviceLists) (user, sealed) VALUES (?, ?)")
                    .execute(arguments: [user.description, Data(sealer.seal(wiping: &plaintext, for: .deviceList(user)))])
            }
        }

        /// The record of group `id`.
        public func group(for id: GroupID) throws -> GroupRecord? {
            try access("read a group row") {
                try database.blob("SELECT sealed FROM \(Schema.groups) WHERE group_id = ?", [Data(id.rawRepresentation)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .group(id)) { try GroupRecord(serialized: $0) } }
            }
        }
        /// Replaces the record of group `id`.
        public func storeGroup(_ record: GroupRecord, for id: GroupID) throws {
            try access("write a group row") {
                var plaintext = record.serialized
                try database.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.groups) (group_id, sealed) VALUES (?, ?)")
                    .execute(arguments: [Data(id.rawRepresentation), Data(sealer.seal(wiping: &plaintext, for: .group(id)))])
            }
        }

        // MARK: Sender keys

        /// The sender key record for `name`.
        public func senderKey(for name: SenderKeyName) throws -> SenderKeyRecord? {
            try access("read a sender key row") {
                try database.blob("SELECT sealed FROM \(Schema.senderKeys) WHERE group_id = ? AND name = ? AND device = ?",
                                  [Data(name.groupID), name.sender.name, Int64(name.sender.deviceID.rawValue)])
                    .map { sealed throws(StoreError) in try sealer.decode(sealed, for: .senderKey(name)) { try SenderKeyRecord(serialized: $0) } }
            }
        }
        /// Replaces the sender key record for `name`.
        public func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) throws {
            try access("write a sender key row") {
                var plaintext = record.serialized
                try database.cachedStatement(sql: "INSERT OR REPLACE INTO \(Schema.senderKeys) (group_id, name, device, sealed) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [Data(name.groupID), name.sender.name, Int64(name.sender.deviceID.rawValue),
                                Data(sealer.seal(wiping: &plaintext, for: .senderKey(name)))])
            }
        }
    }
}

extension Database {
    /// The one blob a query selects, if a row matched. Statements are cached per connection: the hot
    /// path parses no SQL.
    func blob(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [UInt8]? {
        try Data.fetchOne(try cachedStatement(sql: sql), arguments: arguments).map { Array($0) }
    }
}
