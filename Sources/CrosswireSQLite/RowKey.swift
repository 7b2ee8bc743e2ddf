import Crosswire

/// Which row a sealed value belongs to: its table and primary key, bound into the seal as associated
/// data so a sealed value copied to another row (another peer's session, another prekey id) no longer
/// opens. Fields are length-prefixed, so no two keys share an encoding.
struct RowKey: CustomStringConvertible {
    /// The row kind, as errors name it ("session", "one-time prekey").
    let kind: String
    /// Human form of the key for errors: an address, an id. Never secret.
    let key: String
    /// `"crosswire/sqlite/v1" ‖ 0 ‖ table ‖ 0 ‖ key fields`.
    let associatedData: [UInt8]

    private init(kind: String, table: String, key: String, fields: (inout [UInt8]) -> Void) {
        self.kind = kind
        self.key = key
        var bytes = Array("crosswire/sqlite/v1".utf8)
        bytes.append(0)
        bytes += Array(table.utf8)
        bytes.append(0)
        fields(&bytes)
        associatedData = bytes
    }

    var description: String { key.isEmpty ? "\(kind) row" : "\(kind) row \(key)" }

    static func meta(_ name: String) -> RowKey {
        RowKey(kind: "meta", table: Schema.meta, key: name) { $0.appendField(Array(name.utf8)) }
    }
    static let localIdentity = RowKey(kind: "local identity", table: Schema.localIdentity, key: "") { _ in }
    static func identity(_ address: ProtocolAddress) -> RowKey {
        RowKey(kind: "identity", table: Schema.identities, key: address.description) { $0.appendAddress(address) }
    }
    static func session(_ address: ProtocolAddress) -> RowKey {
        RowKey(kind: "session", table: Schema.sessions, key: address.description) { $0.appendAddress(address) }
    }
    static func preKey(_ id: PreKeyID) -> RowKey {
        RowKey(kind: "one-time prekey", table: Schema.preKeys, key: id.description) { $0.appendUInt32(id.rawValue) }
    }
    static func signedPreKey(_ id: SignedPreKeyID) -> RowKey {
        RowKey(kind: "signed prekey", table: Schema.signedPreKeys, key: id.description) { $0.appendUInt32(id.rawValue) }
    }
    static func kemPreKey(_ id: KEMPreKeyID) -> RowKey {
        RowKey(kind: "KEM prekey", table: Schema.kemPreKeys, key: id.description) { $0.appendUInt32(id.rawValue) }
    }
    static func senderKey(_ name: SenderKeyName) -> RowKey {
        RowKey(kind: "sender key", table: Schema.senderKeys, key: name.description) {
            $0.appendField(name.groupID)
            $0.appendAddress(name.sender)
        }
    }
    static func deviceList(_ user: UserAddress) -> RowKey {
        RowKey(kind: "device list", table: Schema.deviceLists, key: user.description) { $0.appendField(Array(user.description.utf8)) }
    }
    static func group(_ id: GroupID) -> RowKey {
        RowKey(kind: "group", table: Schema.groups, key: id.description) { $0.appendField(id.rawRepresentation) }
    }
}

extension [UInt8] {
    mutating func appendUInt32(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }
    mutating func appendField(_ bytes: [UInt8]) {
        appendUInt32(UInt32(bytes.count))
        append(contentsOf: bytes)
    }
    mutating func appendAddress(_ address: ProtocolAddress) {
        appendField(Array(address.name.utf8))
        appendUInt32(address.deviceID.rawValue)
    }
}
