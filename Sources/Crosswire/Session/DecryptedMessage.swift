/// What a decrypt hands the app inside its transaction, so the app can store the message (and a notice
/// of a changed key) in the same commit as the ratchet step: exactly once, even across a crash.
public struct DecryptedMessage: Sendable {
    /// The message's plaintext.
    public let plaintext: [UInt8]
    /// Set when this message came from a new identity key that the store's policy accepted.
    public let identityChange: IdentityChange?
}
