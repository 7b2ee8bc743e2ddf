/// The device's own identity and what it trusts of others. Implementations decide the trust policy;
/// the in-memory store trusts on first use and refuses a changed key.
public protocol IdentityKeyStore: Sendable {
    func identityKeyPair() async throws -> IdentityKeyPair
    func localRegistrationID() async throws -> RegistrationID
    /// Records `identity` for `address`; returns `true` when it replaced a different key.
    @discardableResult
    func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) async throws -> Bool
    func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) async throws -> Bool
    func identity(for address: ProtocolAddress) async throws -> IdentityKey?
}
