/// A device that left an account's list (SPEC §12.6): its sessions are kept for messages it sent before
/// it was removed, still in flight, and pruned after `SesamePolicy.staleRetention`. Nothing is sent to it.
public struct StaleDevice: Sendable, Hashable {
    /// The device as it was listed.
    public let identity: DeviceIdentity
    /// Milliseconds since 1970 when this device learned it was removed.
    public let removedAt: UInt64

    /// A device removed at `removedAt`.
    public init(identity: DeviceIdentity, removedAt: UInt64) {
        self.identity = identity
        self.removedAt = removedAt
    }
}
