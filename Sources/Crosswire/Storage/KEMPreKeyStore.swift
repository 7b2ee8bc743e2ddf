import CrosswireCrypto

/// ML-KEM prekeys for PQXDH. `markKEMPreKeyUsed` deletes a one-time key; for a last-resort key it
/// records the (KEM prekey, signed prekey, base key) triple, which `hasUsedKEMPreKey` then reports so
/// that a second session from it is refused. Must be safe to call concurrently for different addresses.
public protocol KEMPreKeyStore: Sendable {
    /// The KEM prekey a v4 PreKey message names, or `nil`: the message then fails with `unknownKEMPreKey`.
    func kemPreKey(id: KEMPreKeyID) async throws -> KEMPreKey?
    /// Keeps a KEM prekey, one-time or last-resort; store it before it is published. A different key
    /// under an id already held must be refused (`StoreError.idCollision`), never overwritten.
    func storeKEMPreKey(_ preKey: KEMPreKey) async throws
    /// Whether this triple was already used with a last-resort key (a replayed session start).
    func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws -> Bool
    /// Called only after a PreKey message using the key decrypted and its session was saved: deletes a
    /// one-time key, or records the triple for a last-resort key.
    func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws
}
