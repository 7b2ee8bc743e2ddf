import CrosswireCrypto
import CrosswireWire

/// A companion device's link, signed both ways as WhatsApp's ADV does (SPEC §12.3): the primary signs
/// the companion's identity (it vouches for the device), the companion signs it back together with the
/// primary's key (it holds its identity key and accepts this account). A list is accepted only with both
/// for every companion.
public struct DeviceAttestation: Sendable, Hashable {
    /// What the primary signs: `"crosswire/adv/account/v1" 00 ‖ details`.
    public static let accountLabel: [UInt8] = Array("crosswire/adv/account/v1".utf8) + [0]
    /// What the companion signs: `"crosswire/adv/device/v1" 00 ‖ details ‖ primary identity key`.
    public static let deviceLabel: [UInt8] = Array("crosswire/adv/device/v1".utf8) + [0]

    /// The companion.
    public let identity: DeviceIdentity
    /// `identity.serialized`, exactly the bytes both signatures cover.
    public let details: [UInt8]
    /// The primary's XEdDSA signature.
    public let accountSignature: [UInt8]
    /// The companion's XEdDSA signature back.
    public let deviceSignature: [UInt8]

    /// The primary's half, made when it approves a link: its signature over the companion's identity.
    public static func accountSignature(for identity: DeviceIdentity, by primary: IdentityKeyPair,
                                        using entropy: some EntropySource = SystemEntropy()) -> [UInt8] {
        primary.signature(for: accountLabel + identity.serialized, using: entropy)
    }

    /// The companion's half: it checks the primary's signature over its identity, then signs back. A
    /// signature that does not verify, or a key pair that is not the identity's, is `invalidAttestation`.
    public init(countersigning identity: DeviceIdentity, accountSignature: [UInt8], primary: IdentityKey,
                companion: IdentityKeyPair, using entropy: some EntropySource = SystemEntropy()) throws(DeviceListError) {
        guard companion.identityKey == identity.identityKey else {
            throw DeviceListError(.invalidAttestation, "device \(identity.deviceID) is countersigned with another identity key")
        }
        let details = identity.serialized
        let deviceSignature = companion.signature(for: Self.deviceLabel + details + primary.serialized, using: entropy)
        try self.init(identity: identity, details: details, accountSignature: accountSignature, deviceSignature: deviceSignature)
        try verify(primary: primary)
    }

    private init(identity: DeviceIdentity, details: [UInt8], accountSignature: [UInt8], deviceSignature: [UInt8]) throws(DeviceListError) {
        guard accountSignature.count == 64, deviceSignature.count == 64 else {
            throw DeviceListError(.invalidAttestation, "device \(identity.deviceID) lacks a 64-byte account or device signature")
        }
        self.identity = identity
        self.details = details
        self.accountSignature = accountSignature
        self.deviceSignature = deviceSignature
    }

    /// Checks both signatures, the primary's under `primary` and the companion's under its own key.
    public func verify(primary: IdentityKey) throws(DeviceListError) {
        guard primary.isValidSignature(accountSignature, for: Self.accountLabel + details) else {
            throw DeviceListError(.invalidAttestation, "device \(identity.deviceID): the primary's signature does not verify")
        }
        guard identity.identityKey.isValidSignature(deviceSignature, for: Self.deviceLabel + details + primary.serialized) else {
            throw DeviceListError(.invalidAttestation, "device \(identity.deviceID): its own signature back does not verify")
        }
    }

    /// `{1 details, 2 account_signature, 3 device_signature}`.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: details.count + 136)
        writer.appendBytes(field: 1, details)
        writer.appendBytes(field: 2, accountSignature)
        writer.appendBytes(field: 3, deviceSignature)
        return writer.bytes
    }

    /// Decodes without verifying: `DeviceList` verifies against its primary. A missing signature is
    /// `invalidAttestation`.
    public init(serialized bytes: ArraySlice<UInt8>) throws(DeviceListError) {
        let fields = try DeviceListError.decode("DeviceAttestation") { try ProtobufFields(bytes, fields: 3) }
        guard let details = try DeviceListError.decode("DeviceAttestation details", { try fields.bytes(1) }) else {
            throw DeviceListError(.invalidMessage, "an attestation carries the device's details")
        }
        let identity = try DeviceIdentity(serialized: details)
        let account = try DeviceListError.decode("DeviceAttestation account_signature") { try fields.bytes(2) }
        let device = try DeviceListError.decode("DeviceAttestation device_signature") { try fields.bytes(3) }
        try self.init(identity: identity, details: Array(details), accountSignature: account.map(Array.init) ?? [],
                      deviceSignature: device.map(Array.init) ?? [])
    }
}
