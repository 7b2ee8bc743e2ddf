/// The two Sender Key wire layouts. Both use version byte `0x33` and cannot parse each other's messages,
/// so a group's layout is fixed when the group is created and the decoder is told which to expect.
public enum SenderKeyLayout: String, Sendable, CaseIterable {
    /// libsignal ≤ 0.3, libsignal-protocol-java, python-axolotl, WhatsApp: a 31-bit key id; the group is
    /// named outside the message.
    case legacy
    /// Current libsignal: a 16-byte distribution UUID and a chain id.
    case distributionUUID = "distribution_uuid"
}

/// A group message: `0x33 ‖ protobuf ‖ XEdDSA signature (64)`.
/// Legacy: `{1 id, 2 iteration, 3 ciphertext}`; current: `{1 distribution_uuid, 2 chain_id, 3 iteration,
/// 4 ciphertext}`. The signature covers everything before it.
public struct SenderKeyMessage: Sendable, Equatable {
    /// The XEdDSA signature appended to the message.
    public static let signatureBytes = 64
    /// The transport type code older libsignal and WhatsApp use for this message (current libsignal: 7).
    public static let legacyTypeCode = 4
    /// The current transport type code (7).
    public static let kind = MessageKind.senderKey

    /// Which of the two layouts the bytes are in.
    public let layout: SenderKeyLayout
    /// 16 bytes in the current layout, empty in the legacy one.
    public let distributionID: [UInt8]
    /// Which of the sender's chains encrypted this message (the key id of the legacy layout).
    public let chainID: UInt32
    /// The message's index in that chain. Untrusted until the signature verifies.
    public let iteration: UInt32
    /// The AES-256-CBC payload, opaque to this module.
    public let ciphertext: [UInt8]
    /// The whole message as sent, signature included.
    public let serialized: [UInt8]

    /// What the signature covers: everything before it, version byte included.
    public var signedBytes: ArraySlice<UInt8> { serialized[..<(serialized.count - Self.signatureBytes)] }
    /// The last 64 bytes; this type never verifies it.
    public var signature: ArraySlice<UInt8> { serialized[(serialized.count - Self.signatureBytes)...] }

    /// Encodes; `sign` produces the 64-byte signature over the bytes so far.
    public init(
        layout: SenderKeyLayout, distributionID: [UInt8], chainID: UInt32, iteration: UInt32, ciphertext: [UInt8],
        sign: (ArraySlice<UInt8>) -> [UInt8]
    ) {
        var writer = ProtobufWriter(prefix: [MessageVersion.v3.byte],
                                    reservingCapacity: ciphertext.count + 96)
        switch layout {
        case .legacy:
            writer.appendUInt(field: 1, UInt64(chainID))
            writer.appendUInt(field: 2, UInt64(iteration))
            writer.appendBytes(field: 3, ciphertext)
        case .distributionUUID:
            precondition(distributionID.count == 16)
            writer.appendBytes(field: 1, distributionID)
            writer.appendUInt(field: 2, UInt64(chainID))
            writer.appendUInt(field: 3, UInt64(iteration))
            writer.appendBytes(field: 4, ciphertext)
        }
        var bytes = writer.bytes
        let signature = sign(bytes[...])
        precondition(signature.count == Self.signatureBytes)
        bytes.append(contentsOf: signature)
        self.layout = layout
        self.distributionID = layout == .legacy ? [] : distributionID
        self.chainID = chainID
        self.iteration = iteration
        self.ciphertext = ciphertext
        self.serialized = bytes
    }

    /// Decodes in the given layout only; a message in the other layout is `wrongLayout`.
    public init(serialized bytes: [UInt8], layout: SenderKeyLayout) throws {
        guard bytes.count > 1 + Self.signatureBytes else {
            throw WireFormatError(.truncated, "SenderKeyMessage needs more than 65 bytes, got \(bytes.count)")
        }
        guard bytes.count <= WireLimits.maxMessageBytes else {
            throw WireFormatError(.tooLarge, "SenderKeyMessage of \(bytes.count) bytes exceeds \(WireLimits.maxMessageBytes)")
        }
        guard try MessageVersion(parsing: bytes[0]) == MessageVersion.v3 else {
            throw WireFormatError(.unknownVersion, "SenderKeyMessage version must be 3")
        }
        let fields = try SenderKeyFields(bytes[1..<(bytes.count - Self.signatureBytes)], layout: layout,
                                         names: layout == .legacy ? [1: "id", 2: "iteration", 3: "ciphertext"]
                                                                  : [1: "distribution_uuid", 2: "chain_id", 3: "iteration", 4: "ciphertext"])
        self.layout = layout
        switch layout {
        case .legacy:
            chainID = try fields.uint32(1)
            iteration = try fields.uint32(2)
            ciphertext = try fields.bytes(3)
            distributionID = []
        case .distributionUUID:
            distributionID = try fields.bytes(1, count: 16)
            chainID = try fields.uint32(2)
            iteration = try fields.uint32(3)
            ciphertext = try fields.bytes(4)
        }
        serialized = bytes
    }
}

/// A sender's key for a group, sent to each member inside a pairwise-encrypted message:
/// `0x33 ‖ protobuf`, no signature. Legacy `{1 id, 2 iteration, 3 chain_key, 4 signing_key}`; current
/// `{1 distribution_uuid, 2 chain_id, 3 iteration, 4 chain_key, 5 signing_key}`.
public struct SenderKeyDistributionMessage: Sendable, Equatable {
    /// The transport type code older libsignal and WhatsApp use for this message.
    public static let legacyTypeCode = 5

    /// Which of the two layouts the bytes are in.
    public let layout: SenderKeyLayout
    /// 16 bytes in the current layout, empty in the legacy one.
    public let distributionID: [UInt8]
    /// The chain this key starts (the key id of the legacy layout).
    public let chainID: UInt32
    /// The chain position `chainKey` belongs to: a member added later reads only later messages.
    public let iteration: UInt32
    /// 32 bytes. Secret: whoever has it reads the group from `iteration` on.
    public let chainKey: [UInt8]
    /// 33-byte serialized Curve25519 public key.
    public let signingKey: [UInt8]
    /// The whole message as sent. Secret, since it contains `chainKey`.
    public let serialized: [UInt8]

    /// Encodes in `layout`; `chainKey` must be 32 bytes, `signingKey` 33, and `distributionID` 16 in the
    /// current layout (preconditions).
    public init(layout: SenderKeyLayout, distributionID: [UInt8], chainID: UInt32, iteration: UInt32, chainKey: [UInt8], signingKey: [UInt8]) {
        precondition(chainKey.count == 32 && signingKey.count == 33)
        var writer = ProtobufWriter(prefix: [MessageVersion.v3.byte], reservingCapacity: 96)
        switch layout {
        case .legacy:
            writer.appendUInt(field: 1, UInt64(chainID))
            writer.appendUInt(field: 2, UInt64(iteration))
            writer.appendBytes(field: 3, chainKey)
            writer.appendBytes(field: 4, signingKey)
        case .distributionUUID:
            precondition(distributionID.count == 16)
            writer.appendBytes(field: 1, distributionID)
            writer.appendUInt(field: 2, UInt64(chainID))
            writer.appendUInt(field: 3, UInt64(iteration))
            writer.appendBytes(field: 4, chainKey)
            writer.appendBytes(field: 5, signingKey)
        }
        self.layout = layout
        self.distributionID = layout == .legacy ? [] : distributionID
        self.chainID = chainID
        self.iteration = iteration
        self.chainKey = chainKey
        self.signingKey = signingKey
        self.serialized = writer.bytes
    }

    /// Decodes in the given layout only; a message in the other layout is `wrongLayout`. Checks field
    /// lengths and the signing key's type byte.
    public init(serialized bytes: [UInt8], layout: SenderKeyLayout) throws {
        guard bytes.count > 1 else { throw WireFormatError(.truncated, "empty SenderKeyDistributionMessage") }
        guard bytes.count <= 4096 else { throw WireFormatError(.tooLarge, "SenderKeyDistributionMessage of \(bytes.count) bytes") }
        guard try MessageVersion(parsing: bytes[0]) == MessageVersion.v3 else {
            throw WireFormatError(.unknownVersion, "SenderKeyDistributionMessage version must be 3")
        }
        let fields = try SenderKeyFields(bytes[1...], layout: layout,
                                         names: layout == .legacy ? [1: "id", 2: "iteration", 3: "chain_key", 4: "signing_key"]
                                                                  : [1: "distribution_uuid", 2: "chain_id", 3: "iteration", 4: "chain_key", 5: "signing_key"])
        let offset = layout == .legacy ? 0 : 1
        self.layout = layout
        distributionID = layout == .legacy ? [] : try fields.bytes(1, count: 16)
        chainID = try fields.uint32(1 + offset)
        iteration = try fields.uint32(2 + offset)
        chainKey = try fields.bytes(3 + offset, count: 32)
        signingKey = try fields.bytes(4 + offset, count: 33)
        try checkPublicKey(signingKey, field: "signing_key")
        serialized = bytes
    }
}

/// The fields of a Sender Key protobuf, with the layout told apart by field 1's wire type (a varint key
/// id in the legacy layout, a 16-byte UUID in the current one).
struct SenderKeyFields {
    private var values: [Int: ProtobufReader.Value] = [:]
    private let names: [Int: String]

    init(_ bytes: ArraySlice<UInt8>, layout: SenderKeyLayout, names: [Int: String]) throws {
        self.names = names
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            guard names[field.number] != nil else { continue }
            guard values[field.number] == nil else { throw SignalMessage.duplicate(field.number) }
            values[field.number] = field.value
        }
        if let first = values[1] {
            let isLegacyShape: Bool
            if case .varint = first { isLegacyShape = true } else { isLegacyShape = false }
            if isLegacyShape != (layout == .legacy) {
                throw WireFormatError(.wrongLayout, "message is in the \(isLegacyShape ? "legacy" : "distribution-UUID") layout, the group uses \(layout.rawValue)")
            }
        }
    }

    private func value(_ number: Int) throws -> ProtobufReader.Value {
        guard let value = values[number] else {
            throw WireFormatError(.missingField, "missing \(names[number] ?? "field") (\(number))")
        }
        return value
    }

    func uint32(_ number: Int) throws -> UInt32 { try value(number).uint32(field: number) }
    func bytes(_ number: Int, count: Int? = nil) throws -> [UInt8] { try value(number).bytes(field: number, count: count) }
}
