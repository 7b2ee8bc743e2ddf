/// Session records by peer device.
public protocol SessionStore: Sendable {
    func session(for address: ProtocolAddress) async throws -> SessionRecord?
    func storeSession(_ record: SessionRecord, for address: ProtocolAddress) async throws
}
