/// Signed prekeys, kept while their bundles may still be in use.
public protocol SignedPreKeyStore: Sendable {
    func signedPreKey(id: SignedPreKeyID) async throws -> SignedPreKey?
    func storeSignedPreKey(_ signedPreKey: SignedPreKey) async throws
}
