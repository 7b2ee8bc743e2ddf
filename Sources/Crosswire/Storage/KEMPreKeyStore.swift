import CrosswireCrypto

/// ML-KEM prekeys for PQXDH. `markKEMPreKeyUsed` deletes a one-time key; for a last-resort key it
/// records the (KEM prekey, signed prekey, base key) triple, which `hasUsedKEMPreKey` then reports so
/// that a second session from it is refused. Check and mark happen in one transaction.
public protocol KEMPreKeyStore {
    /// The KEM prekey a v4 PreKey message names, or `nil`: the message then fails with `unknownKEMPreKey`.
    func kemPreKey(id: KEMPreKeyID) throws -> KEMPreKey?
    /// Keeps a KEM prekey, one-time or last-resort; store it before it is published. A different key
    /// under an id already held must be refused (`StoreError.idCollision`), never overwritten.
    mutating func storeKEMPreKey(_ preKey: KEMPreKey) throws
    /// Deletes a KEM prekey (a retired last-resort key) and every use recorded against it.
    mutating func removeKEMPreKey(id: KEMPreKeyID) throws
    /// Every KEM prekey held, one-time and last-resort (replenishment and rotation read them).
    func kemPreKeys() throws -> [KEMPreKey]
    /// The id most recently stored, one-time or last-resort, kept after that key was removed.
    func lastIssuedKEMPreKeyID() throws -> KEMPreKeyID?
    /// Whether this triple was already used with a last-resort key (a replayed session start).
    func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) throws -> Bool
    /// In the transaction that saved the session: deletes a one-time key, or records the triple for a
    /// last-resort key.
    mutating func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) throws
}
