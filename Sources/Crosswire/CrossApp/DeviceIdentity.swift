import CrosswireCrypto
import CrosswireWire

/// One device of an account as its primary links it (SPEC §12.3): whose it is, its id and registration
/// id, its own identity key, and when it was added. Companions' identities are what the primary and the
/// companion sign; the primary's is the key that signs the list.
public struct DeviceIdentity: Sendable, Hashable {
    /// The account.
    public let user: UserAddress
    /// 1…127.
    public let deviceID: DeviceID
    /// The device's registration id: a changed one means the device was re-installed.
    public let registrationID: RegistrationID
    /// The device's own long-term identity.
    public let identityKey: IdentityKey
    /// Milliseconds since 1970 when the primary linked it (or registered, for the primary itself).
    public let addedAt: UInt64

    /// A device identity; a device id outside 1…127 is `invalidDevice`.
    public init(user: UserAddress, deviceID: DeviceID, registrationID: RegistrationID, identityKey: IdentityKey,
                addedAt: UInt64) throws(DeviceListError) {
        guard DeviceAddress.deviceRange.contains(deviceID.rawValue) else {
            throw DeviceListError(.invalidDevice, "device id \(deviceID.rawValue) is outside 1…127")
        }
        self.user = user
        self.deviceID = deviceID
        self.registrationID = registrationID
        self.identityKey = identityKey
        self.addedAt = addedAt
    }

    /// The device's address.
    public var address: DeviceAddress {
        // The initializer checked the id's range, so this cannot fail.
        try! DeviceAddress(user: user, device: deviceID)
    }

    /// `{1 user, 2 device_id, 3 registration_id, 4 identity_key, 5 added_at}`, each once, ascending.
    public var serialized: [UInt8] {
        let userBytes = user.serialized
        var writer = ProtobufWriter(reservingCapacity: userBytes.count + 60)
        writer.appendBytes(field: 1, userBytes)
        writer.appendUInt(field: 2, UInt64(deviceID.rawValue))
        writer.appendUInt(field: 3, UInt64(registrationID.rawValue))
        writer.appendBytes(field: 4, identityKey.serialized)
        writer.appendUInt(field: 5, addedAt)
        return writer.bytes
    }

    /// Decodes `serialized` strictly; a bad address, id, registration id or key is a typed error.
    public init(serialized bytes: ArraySlice<UInt8>) throws(DeviceListError) {
        let fields = try DeviceListError.decode("DeviceIdentity") { try ProtobufFields(bytes, fields: 5) }
        guard let userBytes = try DeviceListError.decode("DeviceIdentity user", { try fields.bytes(1) }),
              let device = try DeviceListError.decode("DeviceIdentity device_id", { try fields.uint32(2) }),
              let registration = try DeviceListError.decode("DeviceIdentity registration_id", { try fields.uint32(3) }),
              let key = try DeviceListError.decode("DeviceIdentity identity_key", { try fields.bytes(4) }),
              let addedAt = try DeviceListError.decode("DeviceIdentity added_at", { try fields.uint64(5) })
        else { throw DeviceListError(.invalidMessage, "a device identity has user, device_id, registration_id, identity_key and added_at") }
        let user: UserAddress
        do {
            user = try UserAddress(serialized: userBytes)
        } catch {
            throw DeviceListError(.invalidMessage, "the device's user address: \(error.code): \(error.reason)", underlying: error)
        }
        guard let registrationID = RegistrationID(rawValue: registration) else {
            throw DeviceListError(.invalidDevice, "registration id \(registration) of device \(device) is outside 1…16380")
        }
        let identityKey: IdentityKey
        do {
            identityKey = try IdentityKey(serialized: Array(key))
        } catch {
            throw DeviceListError(.invalidDevice, "the identity key of device \(device): \(error.reason)", underlying: error)
        }
        try self.init(user: user, deviceID: DeviceID(device), registrationID: registrationID, identityKey: identityKey, addedAt: addedAt)
    }
}

extension DeviceIdentity: CustomStringConvertible {
    /// The address, registration id and identity (all public).
    public var description: String { "DeviceIdentity(\(address), registration \(registrationID), \(identityKey))" }
}
