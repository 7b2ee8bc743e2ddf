/// The device's own identity and what it trusts of others. Implementations decide the trust policy;
/// the in-memory store trusts on first use and refuses a changed key. Like every store, it must be
/// safe to call concurrently for different addresses; an error it throws reaches the caller as
/// `storeFailure`.
public protocol IdentityKeyStore: Sendable {
    /// This device's identity, read whenever a session is built, in either role.
    func identityKeyPair() async throws -> IdentityKeyPair
    /// This device's registration id, sent in its PreKey messages.
    func localRegistrationID() async throws -> RegistrationID
    /// Records `identity` for `address`; returns `true` when it replaced a different key. The ciphers
    /// call it only after a bundle was processed or a message decrypted.
    @discardableResult
    func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) async throws -> Bool
    /// Whether `identity` may be used with `address` in `direction`: asked before a bundle is used, on
    /// every encrypt, and before a decrypted message is accepted. `false` fails the operation with
    /// `untrustedIdentity` and changes nothing.
    func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) async throws -> Bool
    /// The identity last saved for `address`, for the app (safety numbers, key-change notices); the
    /// ciphers never read it.
    func identity(for address: ProtocolAddress) async throws -> IdentityKey?
}
