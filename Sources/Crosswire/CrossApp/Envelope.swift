import CrosswireWire

/// What travels between devices of any app (SPEC §12.4): `0x01 ‖ protobuf Envelope`. It carries routing
/// only — recipient device, sender device (absent when sealed), a message id, the server's timestamp,
/// the kind of ciphertext — and the libsignal message bytes unchanged. Everything the relay must not
/// read or change is in the `Content` inside the ciphertext.
public struct Envelope: Sendable, Hashable {
    /// The version byte this build writes and reads.
    public static let version: UInt8 = 1
    /// The largest ciphertext an envelope carries: 256 KiB, Signal's message limit.
    public static let maximumCiphertextCount = 256 * 1024

    /// What the ciphertext is.
    public let kind: CiphertextKind
    /// The one device this copy is for.
    public let recipient: DeviceAddress
    /// The sending device; `nil` exactly when `kind` is sealed.
    public let sender: DeviceAddress?
    /// The sender's random id of this message.
    public let messageID: MessageID
    /// Milliseconds since 1970 when the server accepted it; `nil` until a server stamps it.
    public private(set) var serverTimestamp: UInt64?
    /// The libsignal message (or sealed sender message), byte for byte.
    public let ciphertext: [UInt8]

    /// An envelope; a sealed kind with a sender is `senderNotAllowed`, an unsealed one without
    /// `missingField`, an empty or oversized ciphertext `missingField` / `tooLarge`.
    public init(kind: CiphertextKind, recipient: DeviceAddress, sender: DeviceAddress?, messageID: MessageID,
                serverTimestamp: UInt64? = nil, ciphertext: [UInt8]) throws(EnvelopeError) {
        if kind.isSealed, sender != nil {
            throw EnvelopeError(.senderNotAllowed, "a \(kind) envelope carries no sender")
        }
        if !kind.isSealed, sender == nil {
            throw EnvelopeError(.missingField, "a \(kind) envelope names its sender device")
        }
        guard !ciphertext.isEmpty else { throw EnvelopeError(.missingField, "an envelope carries a ciphertext") }
        guard ciphertext.count <= Self.maximumCiphertextCount else {
            throw EnvelopeError(.tooLarge, "a ciphertext of \(ciphertext.count) bytes exceeds \(Self.maximumCiphertextCount)")
        }
        self.kind = kind
        self.recipient = recipient
        self.sender = sender
        self.messageID = messageID
        self.serverTimestamp = serverTimestamp
        self.ciphertext = ciphertext
    }

    /// The envelope of a libsignal message from `sender` to `recipient`.
    public init(_ message: CiphertextMessage, from sender: DeviceAddress, to recipient: DeviceAddress,
                messageID: MessageID) throws(EnvelopeError) {
        try self.init(kind: CiphertextKind(message.kind), recipient: recipient, sender: sender, messageID: messageID,
                      ciphertext: message.serialized)
    }

    /// The same envelope with the server's timestamp: the only field a relay sets.
    public func stamped(at serverTimestamp: UInt64) -> Envelope {
        var copy = self
        copy.serverTimestamp = serverTimestamp
        return copy
    }

    // MARK: Wire form

    /// `0x01 ‖ {1 kind, 2 recipient, 3 sender?, 4 message_id, 5 server_timestamp?, 6 ciphertext}`, fields
    /// in ascending order, each once (SPEC §12.4).
    public var serialized: [UInt8] {
        let recipientBytes = recipient.serialized, senderBytes = sender?.serialized
        var count = 1 + ProtobufWriter.uintFieldCount(field: 1, UInt64(kind.rawValue))
            + ProtobufWriter.bytesFieldCount(field: 2, count: recipientBytes.count)
            + ProtobufWriter.bytesFieldCount(field: 4, count: MessageID.count)
            + ProtobufWriter.bytesFieldCount(field: 6, count: ciphertext.count)
        if let senderBytes { count += ProtobufWriter.bytesFieldCount(field: 3, count: senderBytes.count) }
        if let serverTimestamp { count += ProtobufWriter.uintFieldCount(field: 5, serverTimestamp) }
        var writer = ProtobufWriter(prefix: [Self.version], reservingCapacity: count)
        writer.appendUInt(field: 1, UInt64(kind.rawValue))
        writer.appendBytes(field: 2, recipientBytes)
        if let senderBytes { writer.appendBytes(field: 3, senderBytes) }
        writer.appendBytes(field: 4, messageID.rawRepresentation)
        if let serverTimestamp { writer.appendUInt(field: 5, serverTimestamp) }
        writer.appendBytes(field: 6, ciphertext)
        return writer.bytes
    }

    /// Decodes `serialized`: the version byte, then the protobuf, strictly (each field once, the right
    /// wire types and lengths, valid addresses, a known kind, a sender exactly when unsealed).
    public init(serialized bytes: [UInt8]) throws(EnvelopeError) {
        guard let version = bytes.first else { throw EnvelopeError(.invalidMessage, "an empty envelope") }
        guard version == Self.version else {
            throw EnvelopeError(.unsupportedVersion, "envelope version \(version); this build reads \(Self.version)")
        }
        guard bytes.count <= Self.maximumCiphertextCount + 1024 else {
            throw EnvelopeError(.tooLarge, "an envelope of \(bytes.count) bytes")
        }
        let fields = try EnvelopeError.decode("Envelope") { try ProtobufFields(bytes[1...], fields: 6) }
        guard let rawKind = try EnvelopeError.decode("Envelope kind", { try fields.uint64(1) }) else {
            throw EnvelopeError(.missingField, "an envelope names its ciphertext kind")
        }
        guard rawKind <= UInt64(UInt32.max), let kind = CiphertextKind(rawValue: UInt32(rawKind)) else {
            throw EnvelopeError(.unknownKind, "ciphertext kind \(rawKind) is not one this build knows")
        }
        guard let recipientBytes = try EnvelopeError.decode("Envelope recipient", { try fields.bytes(2) }) else {
            throw EnvelopeError(.missingField, "an envelope names its recipient device")
        }
        let recipient = try Self.address(recipientBytes, "recipient")
        let sender = try EnvelopeError.decode("Envelope sender", { try fields.bytes(3) }).map { bytes throws(EnvelopeError) in
            try Self.address(bytes, "sender")
        }
        guard let id = try EnvelopeError.decode("Envelope message id", { try fields.bytes(4) }) else {
            throw EnvelopeError(.missingField, "an envelope carries a message id")
        }
        let timestamp = try EnvelopeError.decode("Envelope server timestamp") { try fields.uint64(5) }
        guard let ciphertext = try EnvelopeError.decode("Envelope ciphertext", { try fields.bytes(6) }) else {
            throw EnvelopeError(.missingField, "an envelope carries a ciphertext")
        }
        try self.init(kind: kind, recipient: recipient, sender: sender, messageID: try MessageID(rawRepresentation: id),
                      serverTimestamp: timestamp, ciphertext: Array(ciphertext))
    }

    private static func address(_ bytes: ArraySlice<UInt8>, _ role: String) throws(EnvelopeError) -> DeviceAddress {
        do {
            return try DeviceAddress(serialized: bytes)
        } catch {
            throw EnvelopeError(.invalidField, "the \(role) device address: \(error.code): \(error.reason)", underlying: error)
        }
    }
}

extension Envelope: CustomStringConvertible {
    /// Routing fields and the ciphertext's length, never its bytes.
    public var description: String {
        "Envelope(\(kind), to \(recipient), from \(sender.map(String.init(describing:)) ?? "sealed"), id \(messageID), "
            + "\(serverTimestamp.map { "at \($0)" } ?? "unstamped"), \(ciphertext.count) bytes)"
    }
}
