import CrosswireWire

/// What an envelope's ciphertext is (SPEC §12.4), so the receiver picks the decoder before it reads a
/// byte of it. The sealed kinds carry no sender in the envelope: it is inside the ciphertext.
public enum CiphertextKind: UInt32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A libsignal `SignalMessage`, on an established session.
    case signalMessage = 1
    /// A libsignal `PreKeySignalMessage`, until the peer's first reply.
    case preKeySignalMessage = 2
    /// A libsignal `SenderKeyMessage`: one group ciphertext, fanned out.
    case senderKeyMessage = 3
    /// Reserved for sealed sender v1.
    case sealedSenderV1 = 4
    /// Reserved for sealed sender v2 (the per-recipient received form).
    case sealedSenderV2 = 5

    /// The kind of a libsignal message kind.
    public init(_ kind: MessageKind) {
        switch kind {
        case .signal: self = .signalMessage
        case .preKey: self = .preKeySignalMessage
        case .senderKey: self = .senderKeyMessage
        }
    }

    /// Whether the envelope of this kind must not name its sender.
    public var isSealed: Bool { self == .sealedSenderV1 || self == .sealedSenderV2 }

    /// The libsignal message kind inside, `nil` for the sealed kinds.
    public var messageKind: MessageKind? {
        switch self {
        case .signalMessage: .signal
        case .preKeySignalMessage: .preKey
        case .senderKeyMessage: .senderKey
        case .sealedSenderV1, .sealedSenderV2: nil
        }
    }

    /// The `.proto` enum name.
    public var description: String {
        switch self {
        case .signalMessage: "SIGNAL_MESSAGE"
        case .preKeySignalMessage: "PREKEY_SIGNAL_MESSAGE"
        case .senderKeyMessage: "SENDER_KEY_MESSAGE"
        case .sealedSenderV1: "SEALED_SENDER_V1"
        case .sealedSenderV2: "SEALED_SENDER_V2"
        }
    }
}
