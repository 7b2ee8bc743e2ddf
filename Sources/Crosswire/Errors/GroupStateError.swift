/// Why a cross-app group's signed state was refused (SPEC §12.7). Raised before anything is stored: the
/// last accepted state stays the group's.
public struct GroupStateError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<GroupStateError>
    public typealias Family = GroupStateError

    /// Which rule the state broke: match on this.
    public let code: Code
    /// What and where: versions, members, the signer; never key material.
    public let reason: String
    /// The codec or address error, when one caused this.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == GroupStateError {
    /// Not a protobuf of the SPEC's shape, or a field of the wrong type, length or encoding.
    public static let invalidMessage = Self("invalidMessage")
    /// A rule of the state is broken: no members, an admin who is not a member, a member twice, more
    /// than `GroupState.maximumMemberCount` members, a name over 128 bytes.
    public static let invalidState = Self("invalidState")
    /// The signature does not verify under the signing device's listed identity key.
    public static let invalidSignature = Self("invalidSignature")
    /// The signer is not an admin of the state it replaces (or, for a new group, of the state itself).
    public static let notAdmin = Self("notAdmin")
    /// The signing device is not on its user's verified device list.
    public static let unknownSigner = Self("unknownSigner")
    /// A version not above the accepted one (an equal version with the same state is no change).
    public static let staleVersion = Self("staleVersion")
    /// The accepted version again, with another state.
    public static let conflictingVersion = Self("conflictingVersion")
    /// A state of another group than the one it should replace.
    public static let wrongGroup = Self("wrongGroup")
}
