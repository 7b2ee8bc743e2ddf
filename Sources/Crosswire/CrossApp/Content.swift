import CrosswireCrypto
import CrosswireWire

/// What a message says, inside the ciphertext where no relay reads or changes it (SPEC §12.5): its type,
/// the sender's timestamp, the group, a sender-key distribution, the destination of a copy sent to the
/// sender's own devices, and the body. Encrypted padded (§12.2), decoded strictly.
public struct Content: Sendable, Equatable {
    /// The largest body: 128 KiB, so a padded content fits `Envelope.maximumCiphertextCount` with room
    /// for the Signal message around it.
    public static let maximumBodyCount = 128 * 1024

    /// What `body` is.
    public let type: ContentType
    /// Milliseconds since 1970 on the sender's clock; with the sender device it names the message.
    public let senderTimestamp: UInt64
    /// The group the message belongs to, `nil` for a 1:1 message.
    public let groupID: GroupID?
    /// The sender's key for `groupID`, handed to this device (distribution-UUID layout). Secret.
    public let senderKeyDistribution: SenderKeyDistributionMessage?
    /// On a copy to the sender's own other devices: whom the original went to (a group copy names the
    /// group in `groupID` instead).
    public let syncDestination: UserAddress?
    /// The app's payload for `type`, e.g. UTF-8 text. Plaintext: never logged.
    public let body: [UInt8]
    /// The sender account's profile key, from which a recipient derives the access key that lets it
    /// send sealed messages back without a credential (SPEC §15.2). Secret.
    public let profileKey: SymmetricKey256?

    /// A content; a distribution without a group id is `missingField`, a body over
    /// `maximumBodyCount` is `tooLarge`, a distribution in the legacy layout is `invalidField`.
    public init(type: ContentType, senderTimestamp: UInt64, groupID: GroupID? = nil,
                senderKeyDistribution: SenderKeyDistributionMessage? = nil, syncDestination: UserAddress? = nil,
                body: [UInt8] = [], profileKey: SymmetricKey256? = nil) throws(EnvelopeError) {
        if senderKeyDistribution != nil, groupID == nil {
            throw EnvelopeError(.missingField, "a sender-key distribution names its group id")
        }
        if let senderKeyDistribution, senderKeyDistribution.layout != .distributionUUID {
            throw EnvelopeError(.invalidField, "a cross-app sender-key distribution is in the distribution-UUID layout")
        }
        guard body.count <= Self.maximumBodyCount else {
            throw EnvelopeError(.tooLarge, "a body of \(body.count) bytes exceeds \(Self.maximumBodyCount)")
        }
        self.type = type
        self.senderTimestamp = senderTimestamp
        self.groupID = groupID
        self.senderKeyDistribution = senderKeyDistribution
        self.syncDestination = syncDestination
        self.body = body
        self.profileKey = profileKey
    }

    /// The same content carrying `profileKey` (when it carries none yet).
    public func carrying(profileKey: SymmetricKey256?) -> Content {
        guard self.profileKey == nil, let profileKey else { return self }
        return try! Content(type: type, senderTimestamp: senderTimestamp, groupID: groupID, senderKeyDistribution: senderKeyDistribution,
                            syncDestination: syncDestination, body: body, profileKey: profileKey)
    }

    /// A text message.
    public static func text(_ text: String, at senderTimestamp: UInt64, groupID: GroupID? = nil) throws(EnvelopeError) -> Content {
        try Content(type: .text, senderTimestamp: senderTimestamp, groupID: groupID, body: Array(text.utf8))
    }

    // MARK: Wire form

    /// `{1 type, 2 sender_timestamp, 3 group_id?, 4 sender_key_distribution?, 5 sync_destination?,
    /// 6 body?, 7 profile_key?}`, ascending, each once; `body` only when non-empty. Contains the
    /// distribution's chain key and the profile key when there are.
    public var serialized: [UInt8] {
        let distribution = senderKeyDistribution?.serialized, destination = syncDestination?.serialized
        var count = ProtobufWriter.uintFieldCount(field: 1, UInt64(type.rawValue)) + ProtobufWriter.uintFieldCount(field: 2, senderTimestamp)
        if groupID != nil { count += ProtobufWriter.bytesFieldCount(field: 3, count: GroupID.count) }
        if let distribution { count += ProtobufWriter.bytesFieldCount(field: 4, count: distribution.count) }
        if let destination { count += ProtobufWriter.bytesFieldCount(field: 5, count: destination.count) }
        if !body.isEmpty { count += ProtobufWriter.bytesFieldCount(field: 6, count: body.count) }
        if profileKey != nil { count += ProtobufWriter.bytesFieldCount(field: 7, count: 32) }
        var writer = ProtobufWriter(reservingCapacity: count)
        writer.appendUInt(field: 1, UInt64(type.rawValue))
        writer.appendUInt(field: 2, senderTimestamp)
        if let groupID { writer.appendBytes(field: 3, groupID.rawRepresentation) }
        if let distribution { writer.appendBytes(field: 4, distribution) }
        if let destination { writer.appendBytes(field: 5, destination) }
        if !body.isEmpty { writer.appendBytes(field: 6, body) }
        if let profileKey { writer.appendSecret(field: 7, profileKey) }
        return writer.bytes
    }

    /// `serialized` padded for encryption (§12.2): what goes into the session or group cipher.
    public var padded: [UInt8] { ContentPadding.pad(serialized) }

    /// Decodes `serialized` strictly: a known field twice, a missing type or timestamp, a group id not
    /// 32 bytes, an invalid address or distribution are typed errors.
    public init(serialized bytes: [UInt8]) throws(EnvelopeError) {
        guard bytes.count <= Self.maximumBodyCount + 4096 else {
            throw EnvelopeError(.tooLarge, "content of \(bytes.count) bytes")
        }
        let fields = try EnvelopeError.decode("Content") { try ProtobufFields(bytes[...], fields: 7) }
        guard let rawType = try EnvelopeError.decode("Content type", { try fields.uint32(1) }) else {
            throw EnvelopeError(.missingField, "content names its type")
        }
        guard let type = ContentType(rawValue: rawType) else { throw EnvelopeError(.invalidField, "content type 0") }
        guard let timestamp = try EnvelopeError.decode("Content sender timestamp", { try fields.uint64(2) }) else {
            throw EnvelopeError(.missingField, "content carries the sender's timestamp")
        }
        let groupID = try EnvelopeError.decode("Content group id", { try fields.bytes(3) }).map { bytes throws(EnvelopeError) in
            try GroupID(rawRepresentation: bytes)
        }
        var distribution: SenderKeyDistributionMessage?
        if let bytes = try EnvelopeError.decode("Content sender-key distribution", { try fields.bytes(4) }) {
            do {
                distribution = try SenderKeyDistributionMessage(serialized: Array(bytes), layout: .distributionUUID)
            } catch {
                throw EnvelopeError(.invalidField, "the sender-key distribution does not decode: \(error)", underlying: error)
            }
        }
        var destination: UserAddress?
        if let bytes = try EnvelopeError.decode("Content sync destination", { try fields.bytes(5) }) {
            do {
                destination = try UserAddress(serialized: bytes)
            } catch {
                throw EnvelopeError(.invalidField, "the sync destination: \(error.code): \(error.reason)", underlying: error)
            }
        }
        let body = try EnvelopeError.decode("Content body") { try fields.bytes(6) }
        if let body, body.isEmpty {
            throw EnvelopeError(.invalidField, "an empty body is written as no body field")
        }
        var profileKey: SymmetricKey256?
        if let bytes = try EnvelopeError.decode("Content profile key", { try fields.bytes(7) }) {
            guard let key = try? SymmetricKey256(rawRepresentation: bytes) else {
                throw EnvelopeError(.invalidField, "a profile key is 32 bytes, got \(bytes.count)")
            }
            profileKey = key
        }
        try self.init(type: type, senderTimestamp: timestamp, groupID: groupID, senderKeyDistribution: distribution,
                      syncDestination: destination, body: body.map(Array.init) ?? [], profileKey: profileKey)
    }

    /// Unpads strictly, then decodes.
    public init(padded: [UInt8]) throws(EnvelopeError) {
        try self.init(serialized: try ContentPadding.unpad(padded))
    }
}

extension Content: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Type, timestamp, group and destination; the body only by length, the distribution redacted.
    public var description: String {
        var parts = ["\(type)", "at \(senderTimestamp)", "\(body.count) bytes"]
        if let groupID { parts.append("group \(groupID)") }
        if senderKeyDistribution != nil { parts.append("sender key redacted") }
        if let syncDestination { parts.append("copy of a message to \(syncDestination)") }
        if profileKey != nil { parts.append("profile key redacted") }
        return "Content(\(parts.joined(separator: ", ")))"
    }
    /// The same redacted text.
    public var debugDescription: String { description }
    /// No body and no chain key in `dump` or a debugger.
    public var customMirror: Mirror {
        Mirror(self, children: ["type": type, "senderTimestamp": senderTimestamp, "groupID": groupID as Any,
                                "syncDestination": syncDestination as Any, "bodyCount": body.count], displayStyle: .struct)
    }
}
