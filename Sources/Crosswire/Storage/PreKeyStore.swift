/// One-time prekeys: each is used for at most one session and removed after its first successful use.
/// Must be safe to call concurrently for PreKey messages from different addresses.
public protocol PreKeyStore: Sendable {
    /// The prekey a PreKey message names, or `nil` when it is gone: the message then fails with
    /// `unknownPreKey`.
    func preKey(id: PreKeyID) async throws -> OneTimePreKey?
    /// Keeps a prekey, private half included; store it before its public half is published. A different
    /// key under an id already held must be refused (`StoreError.idCollision`), never overwritten.
    func storePreKey(_ preKey: OneTimePreKey) async throws
    /// Deletes a used prekey. Called only after a PreKey message using it decrypted and its session was
    /// saved; a failed decrypt never removes one.
    func removePreKey(id: PreKeyID) async throws
}
