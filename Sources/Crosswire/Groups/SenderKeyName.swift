import CrosswireCrypto

/// Names one sender's key in one group. In the legacy layout `groupID` is only the local name of the
/// group (the wire carries a key id); in the distribution-UUID layout it is the 16-byte distribution id.
public struct SenderKeyName: Sendable, Hashable, CustomStringConvertible {
    /// The group's local name (legacy layout) or its 16-byte distribution id.
    public let groupID: [UInt8]
    /// The member whose sender chains the record holds.
    public let sender: ProtocolAddress

    /// The key of `sender` in `groupID`.
    public init(groupID: [UInt8], sender: ProtocolAddress) {
        self.groupID = groupID
        self.sender = sender
    }

    /// `hex(groupID)/sender`: names only, no key material.
    public var description: String { "\(Hex.encode(groupID))/\(sender)" }
}
