import CrosswireWire

/// An outgoing message: a SignalMessage or, until the first reply, a PreKeySignalMessage.
public enum CiphertextMessage: Sendable {
    /// On an established session: the peer has replied at least once.
    case signal(SignalMessage)
    /// Until the peer's first reply: carries what the responder needs to build the session.
    case preKey(PreKeySignalMessage)

    /// What the transport must say about these bytes so the receiver can decode them.
    public var kind: MessageKind {
        switch self {
        case .signal: .signal
        case .preKey: .preKey
        }
    }

    /// The bytes to send.
    public var serialized: [UInt8] {
        switch self {
        case .signal(let message): message.serialized
        case .preKey(let message): message.serialized
        }
    }
}
