/// A message the cross-app client decrypted (SPEC §12.9): who sent it, what it says, and how it travelled.
public struct ReceivedMessage: Sendable, Equatable {
    /// The sending device, checked against its account's verified device list.
    public let sender: DeviceAddress
    /// The decrypted, unpadded content.
    public let content: Content
    /// The envelope's message id.
    public let messageID: MessageID
    /// When the server accepted it, if it said.
    public let serverTimestamp: UInt64?

    /// A received message.
    public init(sender: DeviceAddress, content: Content, messageID: MessageID, serverTimestamp: UInt64?) {
        self.sender = sender
        self.content = content
        self.messageID = messageID
        self.serverTimestamp = serverTimestamp
    }

    /// The attachment pointer of an `.attachment` message (checked when it was received).
    public var attachment: AttachmentPointer? { try? content.attachmentPointer() }

    /// A copy of a message this account's own other device sent (to `content.syncDestination` or the group).
    public var isSyncCopy: Bool { content.syncDestination != nil }
}
