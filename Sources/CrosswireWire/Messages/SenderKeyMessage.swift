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
