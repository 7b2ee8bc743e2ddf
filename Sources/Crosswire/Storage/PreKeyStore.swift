/// One-time prekeys: each is used for at most one session and removed after its first successful use.
public protocol PreKeyStore: Sendable {
    func preKey(id: PreKeyID) async throws -> OneTimePreKey?
    func storePreKey(_ preKey: OneTimePreKey) async throws
    func removePreKey(id: PreKeyID) async throws
}
