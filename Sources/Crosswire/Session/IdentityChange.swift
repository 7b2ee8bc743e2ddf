/// A peer's identity key replaced by another in a decrypt's transaction (under
/// ``TrustPolicy/acceptChangesOnReceipt``): the app shows "safety number changed" and should ask the
/// user to verify again. The sessions of the previous key are archived, never deleted.
public struct IdentityChange: Sendable, Equatable {
    /// The peer device whose key changed.
    public let address: ProtocolAddress
    /// The key saved before.
    public let previous: IdentityKey
    /// The key now saved, which the message came from.
    public let current: IdentityKey
}
