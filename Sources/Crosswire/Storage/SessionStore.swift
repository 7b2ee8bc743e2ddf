/// Session records by peer device, read and written inside a transaction.
public protocol SessionStore {
    /// The record for `address`, or `nil` before any session.
    func session(for address: ProtocolAddress) throws -> SessionRecord?
    /// Replaces the record for `address`; the ciphers write it once per operation.
    mutating func storeSession(_ record: SessionRecord, for address: ProtocolAddress) throws
}
