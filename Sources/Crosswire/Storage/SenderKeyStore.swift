/// Sender Key records by (group, sender), read and written inside a transaction.
public protocol SenderKeyStore {
    /// The record for `name`, or `nil` before its distribution message was created or processed.
    func senderKey(for name: SenderKeyName) throws -> SenderKeyRecord?
    /// Replaces the record for `name`; the group cipher writes it once per operation.
    mutating func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) throws
}
