/// Sender Key records by (group, sender). Must be safe to call concurrently for different names.
public protocol SenderKeyStore: Sendable {
    /// The record for `name`, or `nil` before its distribution message was created or processed.
    func senderKey(for name: SenderKeyName) async throws -> SenderKeyRecord?
    /// Replaces the record for `name`; called only once an operation succeeded.
    func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) async throws
}
