/// What a transaction works on: the exclusion it needs. A store may serialize more coarsely.
public enum TransactionScope: Sendable, Hashable {
    /// A 1:1 session with this peer device.
    case session(ProtocolAddress)
    /// The Sender Key record of one sender in one group.
    case senderKey(SenderKeyName)
    /// Device-wide upkeep: prekey rotation and replenishment, identity decisions.
    case device
}
