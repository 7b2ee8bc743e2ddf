/// libsignal's PreKeySignalMessage (type 3): `version ‖ protobuf{1 pre_key_id?, 2 base_key,
/// 3 identity_key, 4 message, 5 registration_id, 6 signed_pre_key_id}`; no MAC of its own (the inner
/// SignalMessage carries one). v4 (PQXDH) adds `7 kyber_pre_key_id` and `8 kyber_ciphertext` (`0x0A ‖
/// 1568 bytes`), both required in v4 and refused in v3.
public struct PreKeySignalMessage: Sendable, Equatable {
    /// The transport type code (3) that tells a receiver to parse these bytes as this type.
    public static let kind = MessageKind.preKey

    /// The session version; the inner message always has the same one.
    public let version: MessageVersion
    /// The sender's registration id (0 when absent). Not authenticated, as in libsignal: use it as a hint only.
    public let registrationID: UInt32
    /// The one-time prekey the sender consumed, or `nil` when the bundle had none left.
    public let preKeyID: UInt32?
    /// The signed prekey the sender's handshake used.
    public let signedPreKeyID: UInt32
    /// The sender's ephemeral base key, 33 bytes `0x05 ‖ u` (checked while decoding).
    public let baseKey: [UInt8]
    /// The sender's identity key, 33 bytes `0x05 ‖ u`; not yet trusted when this is decoded.
    public let identityKey: [UInt8]
    /// The first SignalMessage of the session, which carries the MAC that authenticates this one.
    public let message: SignalMessage
    /// The KEM prekey the sender encapsulated to; v4 only (`nil` in v3).
    public let kemPreKeyID: UInt32?
    /// v4 only: `0x0A ‖ ML-KEM-1024 ciphertext` (1569 bytes, checked while decoding).
    public let kemCiphertext: [UInt8]?
    /// The whole message as sent; a decoded message keeps the received bytes unchanged.
    public let serialized: [UInt8]

    /// Encodes a message in ascending tag order, as libsignal emits it. The KEM fields must be given
    /// for v4 and omitted for v3 (a precondition).
    public init(
        version: MessageVersion, registrationID: UInt32, preKeyID: UInt32?, signedPreKeyID: UInt32,
        baseKey: [UInt8], identityKey: [UInt8], message: SignalMessage,
        kemPreKeyID: UInt32? = nil, kemCiphertext: [UInt8]? = nil
    ) {
        precondition((version == MessageVersion.v4) == (kemPreKeyID != nil && kemCiphertext != nil),
                     "v4 PreKey messages carry a KEM prekey id and ciphertext, v3 ones none")
        var writer = ProtobufWriter(prefix: [version.byte],
                                    reservingCapacity: message.serialized.count + 96)
        if let preKeyID { writer.appendUInt(field: 1, UInt64(preKeyID)) }
        writer.appendBytes(field: 2, baseKey)
        writer.appendBytes(field: 3, identityKey)
        writer.appendBytes(field: 4, message.serialized)
        writer.appendUInt(field: 5, UInt64(registrationID))
        writer.appendUInt(field: 6, UInt64(signedPreKeyID))
        if let kemPreKeyID, let kemCiphertext {
            writer.appendUInt(field: 7, UInt64(kemPreKeyID))
            writer.appendBytes(field: 8, kemCiphertext)
        }
        self.kemPreKeyID = kemPreKeyID
        self.kemCiphertext = kemCiphertext
        self.version = version
        self.registrationID = registrationID
        self.preKeyID = preKeyID
        self.signedPreKeyID = signedPreKeyID
        self.baseKey = baseKey
        self.identityKey = identityKey
        self.message = message
        self.serialized = writer.bytes
    }

    /// Decodes and checks structure only: lengths, key types, required and duplicated fields, version
    /// agreement with the inner message and the v3/v4 KEM rules. Throws `WireFormatError`.
    public init(serialized bytes: [UInt8]) throws {
        guard bytes.count > 1 else {
            throw WireFormatError(.truncated, "PreKeySignalMessage is empty")
        }
        guard bytes.count <= WireLimits.maxMessageBytes else {
            throw WireFormatError(.tooLarge, "PreKeySignalMessage of \(bytes.count) bytes exceeds \(WireLimits.maxMessageBytes)")
        }
        version = try MessageVersion(parsing: bytes[0])
        var reader = ProtobufReader(bytes[1...])
        var preKeyID: UInt32?, baseKey: [UInt8]?, identityKey: [UInt8]?, inner: [UInt8]?
        var registrationID: UInt32?, signedPreKeyID: UInt32?, kemPreKeyID: UInt32?, kemCiphertext: [UInt8]?
        var seen = Set<Int>()
        while let field = try reader.next() {
            if (1...8).contains(field.number) {
                guard seen.insert(field.number).inserted else { throw SignalMessage.duplicate(field.number) }
            }
            switch field.number {
            case 1: preKeyID = try field.value.uint32(field: 1)
            case 2: baseKey = try field.value.bytes(field: 2)
            case 3: identityKey = try field.value.bytes(field: 3)
            case 4: inner = try field.value.bytes(field: 4)
            case 5: registrationID = try field.value.uint32(field: 5)
            case 6: signedPreKeyID = try field.value.uint32(field: 6)
            case 7:
                guard version == MessageVersion.v4 else { throw WireFormatError(.unknownVersion, "Kyber prekey id (7) in a v3 message") }
                kemPreKeyID = try field.value.uint32(field: 7)
            case 8:
                guard version == MessageVersion.v4 else { throw WireFormatError(.unknownVersion, "Kyber ciphertext (8) in a v3 message") }
                kemCiphertext = try field.value.bytes(field: 8, count: WireLimits.kemCiphertextBytes)
                guard kemCiphertext![0] == WireLimits.kemTypeByte else {
                    throw WireFormatError(.invalidKeyType, "KEM ciphertext type 0x\(String(kemCiphertext![0], radix: 16)), expected 0x0a")
                }
            default: continue
            }
        }
        guard let baseKey else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks base_key (2)") }
        guard let identityKey else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks identity_key (3)") }
        guard let inner else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks message (4)") }
        guard let signedPreKeyID else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks signed_pre_key_id (6)") }
        if version == MessageVersion.v4 {
            guard kemPreKeyID != nil else { throw WireFormatError(.missingField, "v4 PreKeySignalMessage lacks kyber_pre_key_id (7)") }
            guard kemCiphertext != nil else { throw WireFormatError(.missingField, "v4 PreKeySignalMessage lacks kyber_ciphertext (8)") }
        }
        try checkPublicKey(baseKey, field: "base_key")
        try checkPublicKey(identityKey, field: "identity_key")
        let message = try SignalMessage(serialized: inner)
        guard message.version == version else {
            throw WireFormatError(.unknownVersion, "inner message version \(message.version) differs from \(version)")
        }
        self.kemPreKeyID = kemPreKeyID
        self.kemCiphertext = kemCiphertext
        self.registrationID = registrationID ?? 0
        self.preKeyID = preKeyID
        self.signedPreKeyID = signedPreKeyID
        self.baseKey = baseKey
        self.identityKey = identityKey
        self.message = message
        self.serialized = bytes
    }
}
