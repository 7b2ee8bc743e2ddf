/// A sealed message opened and decrypted (SPEC §13.3): the sender as its certificate names it, and the
/// inner plaintext.
public struct SealedMessage: Sendable, Equatable {
    /// The certificate's sender name (`APP:USER` across apps).
    public let senderUUID: String
    /// The certificate's phone number, if any.
    public let senderE164: String?
    /// The sending device.
    public let senderDevice: DeviceID
    /// The decrypted inner message.
    public let plaintext: [UInt8]

    /// A result.
    public init(senderUUID: String, senderE164: String?, senderDevice: DeviceID, plaintext: [UInt8]) {
        self.senderUUID = senderUUID
        self.senderE164 = senderE164
        self.senderDevice = senderDevice
        self.plaintext = plaintext
    }
}
