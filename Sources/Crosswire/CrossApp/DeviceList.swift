import CrosswireCrypto
import CrosswireWire

/// An account's devices, as its primary states them (SPEC §12.3): the user, a version, the primary's
/// identity (whose key signs) and every companion with its two-way attestation. A value always obeys the
/// list rules — one user, at most `maximumDeviceCount` devices, no id or identity key twice, every
/// attestation verified — so only the primary's signature is left to check.
public struct DeviceList: Sendable, Hashable {
    /// At most 16 devices per account (the primary and 15 companions): WhatsApp allows 5, Signal 6.
    public static let maximumDeviceCount = 16

    /// Whose devices.
    public let user: UserAddress
    /// Goes only up while the primary identity stays the same.
    public let version: UInt64
    /// The primary device; its identity key signs the list.
    public let primary: DeviceIdentity
    /// The companions, by ascending device id.
    public let companions: [DeviceAttestation]

    /// A list; companions in any order (they are sorted). Breaking a list rule is a typed error.
    public init(user: UserAddress, version: UInt64, primary: DeviceIdentity, companions: [DeviceAttestation]) throws(DeviceListError) {
        try self.init(checking: user, version, primary, companions.sorted { $0.identity.deviceID.rawValue < $1.identity.deviceID.rawValue })
    }

    /// `verifyingAttestations: false` only for a list restored from a device's own sealed store, which
    /// was verified when it was stored.
    init(checking user: UserAddress, _ version: UInt64, _ primary: DeviceIdentity, _ companions: [DeviceAttestation],
         verifyingAttestations: Bool = true) throws(DeviceListError) {
        let all = [primary] + companions.map(\.identity)
        for device in all where device.user != user {
            throw DeviceListError(.wrongUser, "device \(device.deviceID) belongs to \(device.user), the list to \(user)")
        }
        guard all.count <= Self.maximumDeviceCount else {
            throw DeviceListError(.tooManyDevices, "\(all.count) devices; an account has at most \(Self.maximumDeviceCount)")
        }
        var ids = Set<UInt32>(), keys = Set<IdentityKey>()
        for device in all {
            guard ids.insert(device.deviceID.rawValue).inserted else {
                throw DeviceListError(.duplicateDevice, "device id \(device.deviceID) appears twice")
            }
            guard keys.insert(device.identityKey).inserted else {
                throw DeviceListError(.duplicateIdentity, "device \(device.deviceID) has another device's identity key")
            }
        }
        for (earlier, later) in zip(companions, companions.dropFirst())
        where earlier.identity.deviceID.rawValue > later.identity.deviceID.rawValue {
            throw DeviceListError(.invalidMessage, "companions are listed by ascending device id")
        }
        if verifyingAttestations {
            for companion in companions { try companion.verify(primary: primary.identityKey) }
        }
        self.user = user
        self.version = version
        self.primary = primary
        self.companions = companions
    }

    /// Every device, the primary first, then by id.
    public var devices: [DeviceIdentity] { [primary] + companions.map(\.identity) }

    /// Signs the list with the primary's key pair; a pair that is not the primary's is `invalidSignature`.
    public func signed(by primary: IdentityKeyPair, using entropy: some EntropySource = SystemEntropy()) throws(DeviceListError) -> SignedDeviceList {
        guard primary.identityKey == self.primary.identityKey else {
            throw DeviceListError(.invalidSignature, "a device list is signed by its primary's identity key")
        }
        let bytes = serialized
        return SignedDeviceList(list: bytes, signature: primary.signature(for: SignedDeviceList.label + bytes, using: entropy))
    }

    /// `{1 user, 2 version, 3 primary, 4 companions…}`, companions by ascending id.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 64 + companions.count * 220)
        writer.appendBytes(field: 1, user.serialized)
        writer.appendUInt(field: 2, version)
        writer.appendBytes(field: 3, primary.serialized)
        for companion in companions { writer.appendBytes(field: 4, companion.serialized) }
        return writer.bytes
    }

    /// Decodes and checks every list rule (attestations included); the list's own signature is
    /// `SignedDeviceList`'s to check.
    public init(serialized bytes: ArraySlice<UInt8>) throws(DeviceListError) {
        let parts = try Self.parts(of: bytes)
        try self.init(checking: parts.user, parts.version, parts.primary, parts.companions)
    }

    /// The decoded fields before any list rule is checked, so a verifier can check the primary's
    /// signature first.
    static func parts(of bytes: ArraySlice<UInt8>) throws(DeviceListError)
        -> (user: UserAddress, version: UInt64, primary: DeviceIdentity, companions: [DeviceAttestation]) {
        let fields = try DeviceListError.decode("DeviceList") { try ProtobufFields(bytes, fields: 4, repeated: [4]) }
        guard let userBytes = try DeviceListError.decode("DeviceList user", { try fields.bytes(1) }),
              let version = try DeviceListError.decode("DeviceList version", { try fields.uint64(2) }),
              let primaryBytes = try DeviceListError.decode("DeviceList primary", { try fields.bytes(3) })
        else { throw DeviceListError(.invalidMessage, "a device list has user, version and primary") }
        let user: UserAddress
        do {
            user = try UserAddress(serialized: userBytes)
        } catch {
            throw DeviceListError(.invalidMessage, "the list's user address: \(error.code): \(error.reason)", underlying: error)
        }
        let companionBytes = try DeviceListError.decode("DeviceList companions") { try fields.repeatedBytes(4) }
        guard companionBytes.count < Self.maximumDeviceCount else {
            throw DeviceListError(.tooManyDevices, "\(companionBytes.count + 1) devices; an account has at most \(Self.maximumDeviceCount)")
        }
        var companions: [DeviceAttestation] = []
        for bytes in companionBytes { companions.append(try DeviceAttestation(serialized: bytes)) }
        return (user, version, try DeviceIdentity(serialized: primaryBytes), companions)
    }
}
