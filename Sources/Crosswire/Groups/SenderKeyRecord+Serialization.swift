@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// `0x01 ‖ protobuf{1 layout (0 legacy, 1 distribution UUID), 2 distribution id, 3 state…}`; state
/// `{1 chain id, 2 iteration, 3 chain key, 4 signing public (32), 5 signing private (32)?, 6 skipped packed
/// (iteration u32 LE ‖ seed 32)…}`. A state with field 5 is outbound (and has no skipped keys).
extension SenderKeyRecord {
    /// The leading byte of `serialized`; a record with another one is refused as `unknownFormat`.
    public static let formatVersion: UInt8 = 1
    static let recordName = "sender key record"

    /// Secret: chain keys and, on the sender's device, the signing private key.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(prefix: [Self.formatVersion], reservingCapacity: 160 * states.count + 32)
        writer.appendUInt(field: 1, layout == .legacy ? 0 : 1)
        if !distributionID.isEmpty { writer.appendBytes(field: 2, distributionID) }
        for state in states {
            var s = ProtobufWriter(reservingCapacity: 160)
            switch state {
            case .inbound(let inbound):
                Self.appendChain(to: &s, chainID: inbound.chainID, chainKey: inbound.chainKey, signingKey: inbound.signingPublicKey)
                if !inbound.skipped.isEmpty { s.appendBytes(field: 6, inbound.skipped.packed) }
            case .outbound(let outbound):
                Self.appendChain(to: &s, chainID: outbound.chainID, chainKey: outbound.chainKey, signingKey: outbound.signingPublicKey)
                s.appendBytes(field: 5, outbound.signingKeyPair.privateKey.rawRepresentation.unprotectedBytes)
            }
            writer.appendBytes(field: 3, s.bytes)
        }
        return writer.bytes
    }

    private static func appendChain(to writer: inout ProtobufWriter, chainID: UInt32, chainKey: ChainKey, signingKey: ECPublicKey) {
        writer.appendUInt(field: 1, UInt64(chainID))
        writer.appendUInt(field: 2, UInt64(chainKey.index))
        writer.appendBytes(field: 3, chainKey.key.rawRepresentation.unprotectedBytes)
        writer.appendBytes(field: 4, signingKey.rawRepresentation)
    }

    /// Restores a record from `serialized`; a corrupt one throws rather than loading in part.
    public init(serialized bytes: [UInt8]) throws(RecordError) {
        guard let format = bytes.first else { throw RecordError(corrupt: Self.recordName, "empty") }
        guard format == Self.formatVersion else {
            throw RecordError(.unknownFormat, "sender key record format \(format) is not \(Self.formatVersion)")
        }
        var layout: SenderKeyLayout?, distributionID: [UInt8] = [], states: [State] = []
        try RecordError.fields(of: bytes[1...], in: Self.recordName) { field in
            switch field.number {
            case 1:
                switch try field.value.uint32(field: 1) {
                case 0: layout = .legacy
                case 1: layout = .distributionUUID
                default: throw RecordError(corrupt: Self.recordName, "unknown sender key layout")
                }
            case 2: distributionID = try field.value.bytes(field: 2, count: 16)
            case 3:
                guard states.count < GroupLimits.maxStates else {
                    throw RecordError(corrupt: Self.recordName, "more than \(GroupLimits.maxStates) sender key states")
                }
                states.append(try Self.decodeState(try field.value.bytes(field: 3)))
            default: break
            }
        }
        guard let layout else { throw RecordError(corrupt: Self.recordName, "lacks its layout") }
        guard (layout == .legacy) == distributionID.isEmpty else {
            throw RecordError(corrupt: Self.recordName, "distribution id does not match the layout")
        }
        self.init(layout: layout, distributionID: distributionID, states: states)
    }

    private static func decodeState(_ bytes: [UInt8]) throws(RecordError) -> State {
        var chainID: UInt32?, iteration: UInt32 = 0, seed: SymmetricKey256?, publicKey: ECPublicKey?
        var privateKey: ECPrivateKey?, skipped = SkippedMessageKeys(limit: GroupLimits.chain.maxSkippedKeys)
        try RecordError.fields(of: bytes[...], in: recordName) { field in
            switch field.number {
            case 1: chainID = try field.value.uint32(field: 1)
            case 2: iteration = try field.value.uint32(field: 2)
            case 3: seed = SymmetricKey256(exactly: SecretBytes(try field.value.bytes(field: 3, count: 32)))
            case 4: publicKey = try ECPublicKey(rawRepresentation: try field.value.bytes(field: 4, count: 32))
            case 5: privateKey = try ECPrivateKey(rawRepresentation: try field.value.bytes(field: 5, count: 32))
            case 6:
                skipped = try SkippedMessageKeys(packed: try field.value.bytes(field: 6), limit: GroupLimits.chain.maxSkippedKeys,
                                                 in: recordName)
            default: break
            }
        }
        guard let chainID, let seed, let publicKey else { throw RecordError(corrupt: recordName, "a state lacks a field") }
        let chainKey = ChainKey(seed, index: iteration)
        guard let privateKey else {
            return .inbound(InboundSenderKeyState(chainID: chainID, chainKey: chainKey, signingPublicKey: publicKey, skipped: skipped))
        }
        guard skipped.isEmpty else { throw RecordError(corrupt: recordName, "an outbound state has skipped keys") }
        let keyPair = ECKeyPair(privateKey: privateKey)
        guard keyPair.publicKey == publicKey else { throw RecordError(corrupt: recordName, "signing key pair does not match") }
        return .outbound(OutboundSenderKeyState(chainID: chainID, chainKey: chainKey, signingKeyPair: keyPair))
    }
}
