/// Signed prekeys, kept while their bundles may still be in use. Crosswire never deletes one: rotation
/// is the app's. Must be safe to call concurrently for different addresses.
public protocol SignedPreKeyStore: Sendable {
    /// The signed prekey a PreKey message names, or `nil`: the message then fails with
    /// `unknownSignedPreKey`.
    func signedPreKey(id: SignedPreKeyID) async throws -> SignedPreKey?
    /// Keeps a signed prekey; store it before its bundle is published.
    func storeSignedPreKey(_ signedPreKey: SignedPreKey) async throws
}
