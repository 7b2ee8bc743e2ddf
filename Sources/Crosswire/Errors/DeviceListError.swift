/// Why a signed device list, or a companion's attestation in it, was refused (SPEC §12.3). Raised
/// before anything is stored: the last verified list stays the one a device trusts.
public struct DeviceListError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<DeviceListError>
    public typealias Family = DeviceListError

    /// Which rule the list broke: match on this.
    public let code: Code
    /// What and where: device ids, versions, counts; never key material.
    public let reason: String
    /// The codec, address or crypto error, when one caused this.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == DeviceListError {
    /// Not a protobuf of the SPEC's shape: truncated, a field of the wrong type or length, a field twice,
    /// companions out of order, a missing field.
    public static let invalidMessage = Self("invalidMessage")
    /// A version byte this build does not read.
    public static let unsupportedVersion = Self("unsupportedVersion")
    /// The list carries no signature.
    public static let unsigned = Self("unsigned")
    /// The list's signature does not verify under the primary's identity key.
    public static let invalidSignature = Self("invalidSignature")
    /// A companion lacks the primary's signature or its own signature back, or one does not verify.
    public static let invalidAttestation = Self("invalidAttestation")
    /// The list, or a device in it, names another user than the one it was fetched for.
    public static let wrongUser = Self("wrongUser")
    /// A device id outside 1…127, a registration id outside 1…16380, or an identity key that is not a
    /// Curve25519 key.
    public static let invalidDevice = Self("invalidDevice")
    /// Two devices share an id.
    public static let duplicateDevice = Self("duplicateDevice")
    /// Two devices share an identity key: each device has its own.
    public static let duplicateIdentity = Self("duplicateIdentity")
    /// More devices than `DeviceList.maximumDeviceCount`.
    public static let tooManyDevices = Self("tooManyDevices")
    /// A lower version than the list already verified for this primary identity.
    public static let rollback = Self("rollback")
    /// The version already verified, with other contents: the primary (or whoever holds its key)
    /// equivocated.
    public static let conflictingVersion = Self("conflictingVersion")
}
