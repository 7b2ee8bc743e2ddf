/// Signed prekeys, kept while their bundles may still be in use; `DeviceMaintenance` rotates them and
/// deletes the previous one after a grace period.
public protocol SignedPreKeyStore {
    /// The signed prekey a PreKey message names, or `nil`: the message then fails with
    /// `unknownSignedPreKey`.
    func signedPreKey(id: SignedPreKeyID) throws -> SignedPreKey?
    /// Keeps a signed prekey; store it before its bundle is published. A different key under an id
    /// already held must be refused (`StoreError.idCollision`), never overwritten.
    mutating func storeSignedPreKey(_ signedPreKey: SignedPreKey) throws
    /// Deletes a retired signed prekey, and with it every last-resort KEM use recorded against it
    /// (`KEMPreKeyStore`): a PreKey message naming it can no longer start a session, so those triples
    /// can never be replayed.
    mutating func removeSignedPreKey(id: SignedPreKeyID) throws
    /// Every signed prekey held (rotation reads their timestamps).
    func signedPreKeys() throws -> [SignedPreKey]
    /// The id most recently stored, kept after that key was removed (see `lastIssuedPreKeyID()`).
    func lastIssuedSignedPreKeyID() throws -> SignedPreKeyID?
}
