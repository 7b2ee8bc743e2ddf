/// One-time prekeys: each is used for at most one session and removed in the transaction of its first
/// successful use.
public protocol PreKeyStore {
    /// The prekey a PreKey message names, or `nil` when it is gone: the message then fails with
    /// `unknownPreKey`.
    func preKey(id: PreKeyID) throws -> OneTimePreKey?
    /// Keeps a prekey, private half included; store it before its public half is published. A different
    /// key under an id already held must be refused (`StoreError.idCollision`), never overwritten.
    mutating func storePreKey(_ preKey: OneTimePreKey) throws
    /// Deletes a used prekey, in the transaction that saved the session built on it.
    mutating func removePreKey(id: PreKeyID) throws
    /// The ids held, ascending: replenishment counts them and picks fresh ids above the highest.
    func preKeyIDs() throws -> [PreKeyID]
    /// The id most recently stored, kept after that key was used and removed, so replenishment never
    /// issues an id again that an in-flight bundle may still name.
    func lastIssuedPreKeyID() throws -> PreKeyID?
}
