import CrosswireCrypto
import CrosswireWire

/// What a message carries for an attachment (SPEC §14.3): the format, key and digests, the size, the
/// MIME type and where the media store keeps the blob. The body of a `Content` of type `.attachment`,
/// so it travels end-to-end encrypted; the blob itself travels elsewhere. Holds the key: redacted when
/// printed.
public struct AttachmentPointer: Sendable, Equatable {
    /// The longest content type, blob id and file name, in UTF-8 bytes.
    public static let maximumTextCount = 255

    /// The key, and with it the format and media type.
    public let key: AttachmentKey
    /// SHA-256 of the blob.
    public let digest: [UInt8]
    /// SHA-256 of the plaintext: present exactly for WhatsApp media.
    public let plaintextDigest: [UInt8]?
    /// Plaintext bytes, before padding.
    public let size: Int
    /// The MIME type, e.g. `image/jpeg`.
    public let contentType: String
    /// The media store's name for the blob.
    public let blobID: String
    /// The file name to show, if the sender gave one.
    public let fileName: String?

    /// A pointer to an encrypted blob stored as `blobID`. `invalidField` when a text is empty or too long.
    public init(_ attachment: EncryptedAttachment, contentType: String, blobID: String, fileName: String? = nil) throws(EnvelopeError) {
        try self.init(key: attachment.key, digest: attachment.digest, plaintextDigest: attachment.plaintextDigest, size: attachment.size,
                      contentType: contentType, blobID: blobID, fileName: fileName)
    }

    /// A pointer from its parts, checked as `init(_:contentType:blobID:fileName:)` checks them.
    public init(key: AttachmentKey, digest: [UInt8], plaintextDigest: [UInt8]?, size: Int, contentType: String, blobID: String, fileName: String?) throws(EnvelopeError) {
        guard digest.count == 32 else { throw EnvelopeError(.invalidField, "an attachment digest is 32 bytes, got \(digest.count)") }
        switch key.format {
        case .signal:
            guard plaintextDigest == nil else { throw EnvelopeError(.invalidField, "a Signal attachment carries no plaintext digest") }
        case .whatsApp:
            guard let plaintextDigest else { throw EnvelopeError(.missingField, "WhatsApp media carries the plaintext's SHA-256") }
            guard plaintextDigest.count == 32 else { throw EnvelopeError(.invalidField, "a plaintext digest is 32 bytes, got \(plaintextDigest.count)") }
        }
        guard size >= 0 else { throw EnvelopeError(.invalidField, "a negative attachment size") }
        for (name, text) in [("content type", contentType), ("blob id", blobID)] where text.isEmpty {
            throw EnvelopeError(.missingField, "an attachment pointer names its \(name)")
        }
        for (name, text) in [("content type", contentType), ("blob id", blobID), ("file name", fileName ?? "")] where text.utf8.count > Self.maximumTextCount {
            throw EnvelopeError(.invalidField, "an attachment \(name) has at most \(Self.maximumTextCount) bytes, got \(text.utf8.count)")
        }
        self.key = key
        self.digest = digest
        self.plaintextDigest = plaintextDigest
        self.size = size
        self.contentType = contentType
        self.blobID = blobID
        self.fileName = fileName
    }

    /// What decryption checks the blob against.
    public var reference: AttachmentReference {
        AttachmentReference(checkedKey: key, digest: digest, plaintextDigest: plaintextDigest, size: size)
    }

    // MARK: Wire form

    /// `{1 format, 2 media_type?, 3 key, 4 digest, 5 plaintext_digest?, 6 size, 7 content_type,
    /// 8 blob_id, 9 file_name?}`, ascending, each once. Contains the key.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 160 + contentType.utf8.count + blobID.utf8.count + (fileName?.utf8.count ?? 0))
        switch key.format {
        case .signal:
            writer.appendUInt(field: 1, 1)
        case .whatsApp(let type):
            writer.appendUInt(field: 1, 2)
            writer.appendUInt(field: 2, UInt64(type.wireValue))
        }
        writer.appendSecret(field: 3, key.rawRepresentation)
        writer.appendBytes(field: 4, digest)
        if let plaintextDigest { writer.appendBytes(field: 5, plaintextDigest) }
        writer.appendUInt(field: 6, UInt64(size))
        writer.appendBytes(field: 7, Array(contentType.utf8))
        writer.appendBytes(field: 8, Array(blobID.utf8))
        if let fileName { writer.appendBytes(field: 9, Array(fileName.utf8)) }
        return writer.bytes
    }

    /// Decodes `serialized` strictly: a field twice, a missing field, an unknown format or media type,
    /// a key or digest of the wrong length, text that is not UTF-8 are typed errors.
    public init(serialized bytes: [UInt8]) throws(EnvelopeError) {
        let fields = try EnvelopeError.decode("AttachmentPointer") { try ProtobufFields(bytes[...], fields: 9) }
        guard let format = try EnvelopeError.decode("AttachmentPointer format", { try fields.uint32(1) }) else {
            throw EnvelopeError(.missingField, "an attachment pointer names its format")
        }
        let mediaType = try EnvelopeError.decode("AttachmentPointer media type") { try fields.uint64(2) }
        let resolved: AttachmentFormat
        switch (format, mediaType) {
        case (1, nil):
            resolved = .signal
        case (2, let value?):
            guard let type = WhatsAppMediaType(wireValue: value) else { throw EnvelopeError(.invalidField, "unknown WhatsApp media type \(value)") }
            resolved = .whatsApp(type)
        case (2, nil):
            throw EnvelopeError(.missingField, "WhatsApp media names its media type")
        case (1, _):
            throw EnvelopeError(.invalidField, "a Signal attachment has no media type")
        default:
            throw EnvelopeError(.invalidField, "unknown attachment format \(format)")
        }
        guard let keyBytes = try EnvelopeError.decode("AttachmentPointer key", { try fields.bytes(3) }) else {
            throw EnvelopeError(.missingField, "an attachment pointer carries its key")
        }
        let key: AttachmentKey
        do {
            key = try AttachmentKey(rawRepresentation: SecretBytes(keyBytes), format: resolved)
        } catch {
            throw EnvelopeError(.invalidField, "the attachment key: \(error.reason)", underlying: error)
        }
        guard let digest = try EnvelopeError.decode("AttachmentPointer digest", { try fields.bytes(4) }) else {
            throw EnvelopeError(.missingField, "an attachment pointer carries the blob's digest")
        }
        let plaintextDigest = try EnvelopeError.decode("AttachmentPointer plaintext digest") { try fields.bytes(5) }
        guard let size = try EnvelopeError.decode("AttachmentPointer size", { try fields.uint64(6) }) else {
            throw EnvelopeError(.missingField, "an attachment pointer carries the size")
        }
        guard size <= UInt64(Int.max) else { throw EnvelopeError(.invalidField, "an attachment size of \(size)") }
        func text(_ number: Int, _ name: String) throws(EnvelopeError) -> String? {
            guard let bytes = try EnvelopeError.decode("AttachmentPointer \(name)", { try fields.bytes(number) }) else { return nil }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw EnvelopeError(.invalidField, "the attachment \(name) is not UTF-8") }
            return text
        }
        try self.init(key: key, digest: Array(digest), plaintextDigest: plaintextDigest.map(Array.init), size: Int(size),
                      contentType: try text(7, "content type") ?? "", blobID: try text(8, "blob id") ?? "", fileName: try text(9, "file name"))
    }
}

extension AttachmentPointer: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Format, type, size and blob id; the key redacted.
    public var description: String { "AttachmentPointer(\(key.format), \(contentType), \(size) bytes, blob \(blobID), key redacted)" }
    /// The same redacted text.
    public var debugDescription: String { description }
    /// No key in `dump` or a debugger.
    public var customMirror: Mirror {
        Mirror(self, children: ["format": key.format, "contentType": contentType, "size": size, "blobID": blobID], displayStyle: .struct)
    }
}

extension Content {
    /// A message carrying `pointer` (type `.attachment`).
    public static func attachment(_ pointer: AttachmentPointer, at senderTimestamp: UInt64, groupID: GroupID? = nil) throws(EnvelopeError) -> Content {
        try Content(type: .attachment, senderTimestamp: senderTimestamp, groupID: groupID, body: pointer.serialized)
    }

    /// The pointer of an `.attachment` content, decoded strictly; `nil` for other types.
    public func attachmentPointer() throws(EnvelopeError) -> AttachmentPointer? {
        guard type == .attachment else { return nil }
        return try AttachmentPointer(serialized: body)
    }
}
