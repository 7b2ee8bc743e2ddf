/// What kind of ciphertext a transport carries (libsignal's `CiphertextMessageType`): the envelope says
/// which, because the bytes themselves do not tell a SignalMessage from a PreKeySignalMessage.
public enum MessageKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A `SignalMessage` on an established session.
    case signal = 2
    /// A `PreKeySignalMessage`: a session's first messages, until the peer's first reply.
    case preKey = 3
    /// A `SenderKeyMessage`: one group ciphertext for every member.
    case senderKey = 7

    /// The case name, as logs and the interop driver print it.
    public var description: String {
        switch self {
        case .signal: "signal"
        case .preKey: "preKey"
        case .senderKey: "senderKey"
        }
    }
}
