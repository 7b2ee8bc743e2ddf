/// Sender Key records by (group, sender).
public protocol SenderKeyStore: Sendable {
    func senderKey(for name: SenderKeyName) async throws -> SenderKeyRecord?
    func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) async throws
}
