import CrosswireCrypto

/// ML-KEM prekeys for PQXDH. `markKEMPreKeyUsed` deletes a one-time key; for a last-resort key it
/// records the (KEM prekey, signed prekey, base key) triple and refuses one already seen.
public protocol KEMPreKeyStore: Sendable {
    func kemPreKey(id: KEMPreKeyID) async throws -> KEMPreKey?
    func storeKEMPreKey(_ preKey: KEMPreKey) async throws
    /// Whether this triple was already used with a last-resort key (a replayed session start).
    func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws -> Bool
    func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws
}
