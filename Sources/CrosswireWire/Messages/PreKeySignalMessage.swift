/// libsignal's PreKeySignalMessage (type 3): `version ‖ protobuf{1 pre_key_id?, 2 base_key,
/// 3 identity_key, 4 message, 5 registration_id, 6 signed_pre_key_id}`; no MAC of its own (the inner
/// SignalMessage carries one). Fields 7/8 (Kyber prekey id and ciphertext) belong to v4.
public struct PreKeySignalMessage: Sendable, Equatable {
    public static let typeCode = 3

    public let version: UInt8
    public let registrationID: UInt32
    public let preKeyID: UInt32?
    public let signedPreKeyID: UInt32
    public let baseKey: [UInt8]
    public let identityKey: [UInt8]
    public let message: SignalMessage
    public let serialized: [UInt8]

    public init(
        version: UInt8, registrationID: UInt32, preKeyID: UInt32?, signedPreKeyID: UInt32,
        baseKey: [UInt8], identityKey: [UInt8], message: SignalMessage
    ) {
        var writer = ProtobufWriter(prefix: [MessageVersion.byte(for: version)],
                                    reservingCapacity: message.serialized.count + 96)
        if let preKeyID { writer.appendUInt(field: 1, UInt64(preKeyID)) }
        writer.appendBytes(field: 2, baseKey)
        writer.appendBytes(field: 3, identityKey)
        writer.appendBytes(field: 4, message.serialized)
        writer.appendUInt(field: 5, UInt64(registrationID))
        writer.appendUInt(field: 6, UInt64(signedPreKeyID))
        self.version = version
        self.registrationID = registrationID
        self.preKeyID = preKeyID
        self.signedPreKeyID = signedPreKeyID
        self.baseKey = baseKey
        self.identityKey = identityKey
        self.message = message
        self.serialized = writer.bytes
    }

    public init(serialized bytes: [UInt8]) throws {
        guard bytes.count > 1 else {
            throw WireFormatError(.truncated, "PreKeySignalMessage is empty")
        }
        guard bytes.count <= WireLimits.maxMessageBytes else {
            throw WireFormatError(.tooLarge, "PreKeySignalMessage of \(bytes.count) bytes exceeds \(WireLimits.maxMessageBytes)")
        }
        version = try MessageVersion.parse(bytes[0])
        var reader = ProtobufReader(bytes[1...])
        var preKeyID: UInt32?, baseKey: [UInt8]?, identityKey: [UInt8]?, inner: [UInt8]?
        var registrationID: UInt32?, signedPreKeyID: UInt32?
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
            case 7, 8:
                throw WireFormatError(.unknownVersion, "Kyber prekey fields (7, 8) need a v4 session, not supported yet")
            default: continue
            }
        }
        guard let baseKey else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks base_key (2)") }
        guard let identityKey else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks identity_key (3)") }
        guard let inner else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks message (4)") }
        guard let signedPreKeyID else { throw WireFormatError(.missingField, "PreKeySignalMessage lacks signed_pre_key_id (6)") }
        try checkPublicKey(baseKey, field: "base_key")
        try checkPublicKey(identityKey, field: "identity_key")
        let message = try SignalMessage(serialized: inner)
        guard message.version == version else {
            throw WireFormatError(.unknownVersion, "inner message version \(message.version) differs from \(version)")
        }
        self.registrationID = registrationID ?? 0
        self.preKeyID = preKeyID
        self.signedPreKeyID = signedPreKeyID
        self.baseKey = baseKey
        self.identityKey = identityKey
        self.message = message
        self.serialized = bytes
    }
}
