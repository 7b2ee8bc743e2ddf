/// Signed prekeys, kept while their bundles may still be in use. Crosswire never deletes one: rotation
/// is the app's (publish a new one, delete the old one once its bundles are stale, as Signal does after
/// a grace period). Must be safe to call concurrently for different addresses.
public protocol SignedPreKeyStore: Sendable {
    /// The signed prekey a PreKey message names, or `nil`: the message then fails with
    /// `unknownSignedPreKey`.
    func signedPreKey(id: SignedPreKeyID) async throws -> SignedPreKey?
    /// Keeps a signed prekey; store it before its bundle is published. A different key under an id
    /// already held must be refused (`StoreError.idCollision`), never overwritten.
    func storeSignedPreKey(_ signedPreKey: SignedPreKey) async throws
    /// Deletes a retired signed prekey, and with it every last-resort KEM use recorded against it
    /// (`KEMPreKeyStore`): a PreKey message naming it can no longer start a session, so those triples
    /// can never be replayed.
    func removeSignedPreKey(id: SignedPreKeyID) async throws
}
