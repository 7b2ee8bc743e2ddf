import CrosswireWire

/// What the sealed layer carries (SPEC §13.2, libsignal's `UnidentifiedSenderMessageContent`): the
/// inner message's type, the sender certificate, the inner message, a content hint and a group id:
/// `{1 type, 2 sender_certificate, 3 content, 4 content_hint?, 5 group_id?}`.
public struct UnidentifiedSenderMessageContent: Sendable, Hashable {
    /// The inner message's type, with the sealed wire's numbers.
    public enum ContentType: UInt32, Sendable, Hashable {
        /// A PreKeySignalMessage (1 on this wire, 3 as a `MessageKind`).
        case preKey = 1
        /// A SignalMessage.
        case signal = 2
        /// A SenderKeyMessage.
        case senderKey = 7
        /// Unencrypted content (a decryption-error notice).
        case plaintext = 8

        /// The type of a libsignal message kind.
        public init(_ kind: MessageKind) {
            switch kind {
            case .preKey: self = .preKey
            case .signal: self = .signal
            case .senderKey: self = .senderKey
            }
        }

        /// The libsignal message kind, `nil` for plaintext content.
        public var messageKind: MessageKind? {
            switch self {
            case .preKey: .preKey
            case .signal: .signal
            case .senderKey: .senderKey
            case .plaintext: nil
            }
        }
    }

    /// The inner message's type.
    public let type: ContentType
    /// Who sent it.
    public let senderCertificate: SenderCertificate
    /// The inner message, byte for byte.
    public let content: [UInt8]
    /// libsignal's hint (1 resendable, 2 implicit); `nil` is the default.
    public let contentHint: UInt32?
    /// The group the inner message belongs to, if any.
    public let groupID: [UInt8]?

    /// A content.
    public init(type: ContentType, senderCertificate: SenderCertificate, content: [UInt8], contentHint: UInt32? = nil, groupID: [UInt8]? = nil) {
        self.type = type
        self.senderCertificate = senderCertificate
        self.content = content
        self.contentHint = contentHint == 0 ? nil : contentHint
        self.groupID = groupID?.isEmpty == true ? nil : groupID
    }

    /// The wire form; a default hint and an empty group id are omitted, as libsignal does.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: senderCertificate.serialized.count + content.count + 64)
        writer.appendUInt(field: 1, UInt64(type.rawValue))
        writer.appendBytes(field: 2, senderCertificate.serialized)
        writer.appendBytes(field: 3, content)
        if let contentHint { writer.appendUInt(field: 4, UInt64(contentHint)) }
        if let groupID { writer.appendBytes(field: 5, groupID) }
        return writer.bytes
    }

    /// Decodes; a missing type, certificate or content, or an unknown type, is `invalidMessage`.
    public init(serialized bytes: [UInt8]) throws(SealedSenderError) {
        struct Fields { var type: UInt32?; var certificate: [UInt8]?; var content: [UInt8]?; var hint: UInt32?; var group: [UInt8]? }
        let f = try SealedSenderError.decode("UnidentifiedSenderMessage.Message") { () throws -> Fields in
            var reader = ProtobufReader(bytes)
            var f = Fields()
            while let field = try reader.next() {
                switch field.number {
                case 1: f.type = try field.value.uint32(field: 1)
                case 2: f.certificate = try field.value.bytes(field: 2)
                case 3: f.content = try field.value.bytes(field: 3)
                case 4: f.hint = try field.value.uint32(field: 4)
                case 5: f.group = try field.value.bytes(field: 5)
                default: continue
                }
            }
            return f
        }
        guard let rawType = f.type, let certificate = f.certificate, let content = f.content else {
            throw SealedSenderError(.invalidMessage, "sealed content names its type, sender certificate and content")
        }
        guard let type = ContentType(rawValue: rawType) else {
            throw SealedSenderError(.invalidMessage, "sealed content type \(rawType) is not one libsignal defines")
        }
        self.init(type: type, senderCertificate: try SenderCertificate(serialized: certificate), content: content, contentHint: f.hint, groupID: f.group)
    }
}
