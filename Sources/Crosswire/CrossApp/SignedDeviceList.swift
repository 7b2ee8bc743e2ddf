import CrosswireCrypto
import CrosswireWire

/// A device list with its primary's signature, as the directory serves it (SPEC §12.3):
/// `0x01 ‖ {1 list, 2 signature}`, the signature XEdDSA over `"crosswire/device-list/v1" 00 ‖ list`.
/// Only `verified(for:)` turns it into something to encrypt to.
public struct SignedDeviceList: Sendable, Hashable {
    /// The version byte this build writes and reads.
    public static let version: UInt8 = 1
    /// What the primary signs before the list bytes.
    public static let label: [UInt8] = Array("crosswire/device-list/v1".utf8) + [0]
    /// The largest signed list read: 16 devices at about 250 bytes each, with room.
    public static let maximumCount = 8192

    /// `DeviceList.serialized`, exactly the bytes signed.
    public let list: [UInt8]
    /// The primary's XEdDSA signature (64 bytes), or empty when unsigned.
    public let signature: [UInt8]

    /// Wraps a list and its signature; nothing is checked until `verified(for:)`.
    public init(list: [UInt8], signature: [UInt8]) {
        self.list = list
        self.signature = signature
    }

    /// `0x01 ‖ protobuf`.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(prefix: [Self.version], reservingCapacity: list.count + 80)
        writer.appendBytes(field: 1, list)
        if !signature.isEmpty { writer.appendBytes(field: 2, signature) }
        return writer.bytes
    }

    /// Decodes the framing only; a wrong version or a malformed protobuf is a typed error.
    public init(serialized bytes: [UInt8]) throws(DeviceListError) {
        guard let version = bytes.first else { throw DeviceListError(.invalidMessage, "an empty signed device list") }
        guard version == Self.version else {
            throw DeviceListError(.unsupportedVersion, "signed device list version \(version); this build reads \(Self.version)")
        }
        guard bytes.count <= Self.maximumCount else {
            throw DeviceListError(.tooManyDevices, "a signed device list of \(bytes.count) bytes exceeds \(Self.maximumCount)")
        }
        let fields = try DeviceListError.decode("SignedDeviceList") { try ProtobufFields(bytes[1...], fields: 2) }
        guard let list = try DeviceListError.decode("SignedDeviceList list", { try fields.bytes(1) }) else {
            throw DeviceListError(.invalidMessage, "a signed device list carries the list")
        }
        let signature = try DeviceListError.decode("SignedDeviceList signature") { try fields.bytes(2) }
        self.init(list: Array(list), signature: signature.map(Array.init) ?? [])
    }

    /// Checks everything for `user`, in this order: the encoding, the user, the primary's signature over
    /// the list, then the list rules and every companion's two signatures. The first rule broken is the
    /// error.
    public func verified(for user: UserAddress) throws(DeviceListError) -> VerifiedDeviceList {
        guard !signature.isEmpty else { throw DeviceListError(.unsigned, "the device list of \(user) is not signed") }
        guard signature.count == 64 else {
            throw DeviceListError(.invalidSignature, "a device list signature is 64 bytes, got \(signature.count)")
        }
        let parts = try DeviceList.parts(of: list[...])
        guard parts.user == user else {
            throw DeviceListError(.wrongUser, "a device list of \(parts.user) was served for \(user)")
        }
        guard parts.primary.identityKey.isValidSignature(signature, for: Self.label + list) else {
            throw DeviceListError(.invalidSignature, "the device list of \(user), version \(parts.version), is not signed by its primary")
        }
        let contents = try DeviceList(checking: parts.user, parts.version, parts.primary, parts.companions)
        return VerifiedDeviceList(contents: contents, signed: self)
    }
}
