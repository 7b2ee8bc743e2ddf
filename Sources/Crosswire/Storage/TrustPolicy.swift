/// When a peer's identity key may differ from the one saved for it. Either way an identity seen for
/// the first time is trusted (trust on first use) and a changed key is never used for sending until
/// it was saved.
public enum TrustPolicy: Sendable, Equatable {
    /// A changed key is refused in both directions until the app saves it (after the user verified
    /// the new safety number).
    case refuseChanges
    /// A message from a changed key is accepted and the key saved in the same transaction, with the
    /// change reported to the app (``IdentityChange``), as Signal's apps do; sessions of the old key are
    /// archived.
    case acceptChangesOnReceipt
}
