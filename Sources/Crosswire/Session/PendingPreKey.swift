import CrosswireCrypto

/// Which keys an initiator used, repeated in every PreKeySignalMessage until the first reply arrives.
struct PendingPreKey: Sendable, Equatable {
    var preKeyID: PreKeyID?
    var signedPreKeyID: SignedPreKeyID
    var baseKey: ECPublicKey
    /// v4: the KEM prekey used and the ciphertext that carries the shared secret (`0x0A ‖ 1568 B`).
    var kemPreKeyID: KEMPreKeyID? = nil
    var kemCiphertext: [UInt8]? = nil
    /// Milliseconds since 1970 when the session was built, for the unacknowledged-session age limit;
    /// 0 in records written before it was kept (such sessions never expire).
    var createdAt: UInt64 = 0
}
