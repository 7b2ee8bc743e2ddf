/// The device's own identity and what it trusts of others, read and written inside a transaction.
/// Implementations decide the trust policy; the in-memory store trusts on first use and refuses a
/// changed key. An error it throws reaches the caller as `storeFailure`.
public protocol IdentityKeyStore {
    /// This device's identity, read whenever a session is built, in either role.
    func identityKeyPair() throws -> IdentityKeyPair
    /// This device's registration id, sent in its PreKey messages.
    func localRegistrationID() throws -> RegistrationID
    /// Records `identity` for `address`; returns `true` when it replaced a different key. The ciphers
    /// call it in the transaction that processed the bundle or decrypted the message.
    @discardableResult
    mutating func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) throws -> Bool
    /// Whether `identity` may be used with `address` in `direction`: asked before a bundle is used, on
    /// every encrypt, and before a decrypted message is accepted. `false` fails the operation with
    /// `untrustedIdentity` and changes nothing.
    func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) throws -> Bool
    /// The identity last saved for `address` (the previous key, when the ciphers report a change).
    func identity(for address: ProtocolAddress) throws -> IdentityKey?
}
