import CrosswireCrypto

/// A sender's key for a group, sent to each member inside a pairwise-encrypted message:
/// `0x33 ‖ protobuf`, no signature. Legacy `{1 id, 2 iteration, 3 chain_key, 4 signing_key}`; current
/// `{1 distribution_uuid, 2 chain_id, 3 iteration, 4 chain_key, 5 signing_key}`.
public struct SenderKeyDistributionMessage: Sendable {
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
    /// Secret: whoever has it reads the group from `iteration` on. Held in a wiping container, never
    /// printed.
    public let chainKey: SymmetricKey256
    /// 33-byte serialized Curve25519 public key.
    public let signingKey: [UInt8]
    /// The whole message as sent. Secret, since it contains `chainKey`: encrypt it pairwise, never log it.
    public let serialized: [UInt8]

    /// Encodes in `layout`; `signingKey` must be 33 bytes and `distributionID` 16 in the current layout
    /// (preconditions).
    public init(layout: SenderKeyLayout, distributionID: [UInt8], chainID: UInt32, iteration: UInt32, chainKey: SymmetricKey256, signingKey: [UInt8]) {
        precondition(signingKey.count == 33)
        var writer = ProtobufWriter(prefix: [MessageVersion.v3.byte], reservingCapacity: 96)
        switch layout {
        case .legacy:
            writer.appendUInt(field: 1, UInt64(chainID))
            writer.appendUInt(field: 2, UInt64(iteration))
            writer.appendSecret(field: 3, chainKey)
            writer.appendBytes(field: 4, signingKey)
        case .distributionUUID:
            precondition(distributionID.count == 16)
            writer.appendBytes(field: 1, distributionID)
            writer.appendUInt(field: 2, UInt64(chainID))
            writer.appendUInt(field: 3, UInt64(iteration))
            writer.appendSecret(field: 4, chainKey)
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
        chainKey = try SymmetricKey256(rawRepresentation: try fields.slice(3 + offset, count: 32))
        signingKey = try fields.bytes(4 + offset, count: 33)
        try checkPublicKey(signingKey, field: "signing_key")
        serialized = bytes
    }
}

extension SenderKeyDistributionMessage: Equatable {
    /// Byte equality of `serialized`, in constant time (it contains the chain key).
    public static func == (a: Self, b: Self) -> Bool { ConstantTime.equals(a.serialized, b.serialized) }
}

extension SenderKeyDistributionMessage: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The public fields only; the chain key is redacted.
    public var description: String {
        "SenderKeyDistributionMessage(\(layout.rawValue), chain \(chainID), iteration \(iteration), chain key redacted)"
    }
    /// The same redacted text as `description`.
    public var debugDescription: String { description }
    /// The public fields only, so `dump` and debuggers show neither the chain key nor `serialized`.
    public var customMirror: Mirror {
        Mirror(self, children: ["layout": layout, "distributionID": distributionID, "chainID": chainID, "iteration": iteration,
                                "signingKey": signingKey], displayStyle: .struct)
    }
}
