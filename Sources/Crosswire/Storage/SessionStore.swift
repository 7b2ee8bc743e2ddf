/// Session records by peer device. Must be safe to call concurrently for different addresses; calls
/// for one address come from one operation at a time when the app serializes them, as it must.
public protocol SessionStore: Sendable {
    /// The record for `address`, or `nil` before any session. The ciphers work on this copy.
    func session(for address: ProtocolAddress) async throws -> SessionRecord?
    /// Replaces the record for `address`; called only once a bundle was processed or a message decrypted,
    /// never with a half-done state.
    func storeSession(_ record: SessionRecord, for address: ProtocolAddress) async throws
}
