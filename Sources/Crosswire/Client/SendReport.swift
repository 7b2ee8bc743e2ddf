/// What a send reached (SPEC §12.9): one envelope per device, all committed before any left.
public struct SendReport: Sendable, Equatable {
    /// The message id every copy carries.
    public let messageID: MessageID
    /// Every device an envelope was queued for, the sender's own other devices included.
    public let devices: [DeviceAddress]
    /// Submissions the directory answered with 409 or 410 before accepting.
    public let retries: Int

    /// A report.
    public init(messageID: MessageID, devices: [DeviceAddress], retries: Int) {
        self.messageID = messageID
        self.devices = devices
        self.retries = retries
    }
}
