/// The two Sender Key wire layouts. Both use version byte `0x33` and cannot parse each other's messages,
/// so a group's layout is fixed when the group is created and the decoder is told which to expect.
public enum SenderKeyLayout: String, Sendable, CaseIterable {
    /// libsignal ≤ 0.3, libsignal-protocol-java, python-axolotl, WhatsApp: a 31-bit key id; the group is
    /// named outside the message.
    case legacy
    /// Current libsignal: a 16-byte distribution UUID and a chain id.
    case distributionUUID = "distribution_uuid"
}
