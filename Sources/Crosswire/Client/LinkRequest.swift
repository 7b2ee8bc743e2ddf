/// What a new companion device shows its account's primary, e.g. as a QR code (SPEC §12.3): the
/// account it wants to join and its own identity.
public struct LinkRequest: Sendable, Hashable {
    /// The account.
    public let user: UserAddress
    /// The companion's registration id.
    public let registrationID: RegistrationID
    /// The companion's identity key.
    public let identityKey: IdentityKey

    /// A request.
    public init(user: UserAddress, registrationID: RegistrationID, identityKey: IdentityKey) {
        self.user = user
        self.registrationID = registrationID
        self.identityKey = identityKey
    }
}

/// The primary's answer to a `LinkRequest`: the companion's identity with the device id the primary
/// chose, and the primary's signature over it, for the companion to check and countersign.
public struct LinkApproval: Sendable, Hashable {
    /// The companion as the primary lists it.
    public let identity: DeviceIdentity
    /// The primary's account signature over `identity`.
    public let accountSignature: [UInt8]
    /// The primary's identity key, which the companion's signature covers.
    public let primaryIdentity: IdentityKey

    /// An approval.
    public init(identity: DeviceIdentity, accountSignature: [UInt8], primaryIdentity: IdentityKey) {
        self.identity = identity
        self.accountSignature = accountSignature
        self.primaryIdentity = primaryIdentity
    }
}
