import CrosswireCrypto

/// Names one sender's key in one group. In the legacy layout `groupID` is only the local name of the
/// group (the wire carries a key id); in the distribution-UUID layout it is the 16-byte distribution id.
public struct SenderKeyName: Sendable, Hashable, CustomStringConvertible {
    public let groupID: [UInt8]
    public let sender: ProtocolAddress

    public init(groupID: [UInt8], sender: ProtocolAddress) {
        self.groupID = groupID
        self.sender = sender
    }

    public var description: String { "\(Hex.encode(groupID))/\(sender)" }
}
