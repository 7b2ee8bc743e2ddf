@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// `0x01 ‖ protobuf{1 layout (0 legacy, 1 distribution UUID), 2 distribution id, 3 state…}`; state
/// `{1 chain id, 2 iteration, 3 chain key, 4 signing public (32), 5 signing private (32)?, 6 skipped packed
/// (iteration u32 LE ‖ seed 32)…}`. A state with field 5 is outbound (and has no skipped keys).
extension SenderKeyRecord {
    /// The leading byte of `serialized`; a record with another one is refused as `unknownFormat`.
    public static let formatVersion: UInt8 = 1
    static let recordName = "sender key record"

    /// Secret: chain keys and, on the sender's device, the signing private key. The intermediate
    /// buffers are wiped; the returned array is the caller's to protect.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(prefix: [Self.formatVersion], reservingCapacity: states.reduce(32) { $0 + Self.capacity(of: $1) })
        writer.appendUInt(field: 1, layout == .legacy ? 0 : 1)
        if !distributionID.isEmpty { writer.appendBytes(field: 2, distributionID) }
        for state in states {
            var s = ProtobufWriter(reservingCapacity: Self.capacity(of: state))
            switch state {
            case .inbound(let inbound):
                Self.appendChain(to: &s, chainID: inbound.chainID, chainKey: inbound.chainKey, signingKey: inbound.signingPublicKey)
                if !inbound.skipped.isEmpty { inbound.skipped.append(to: &s, field: 6) }
            case .outbound(let outbound):
                Self.appendChain(to: &s, chainID: outbound.chainID, chainKey: outbound.chainKey, signingKey: outbound.signingPublicKey)
                s.appendSecret(field: 5, outbound.signingKeyPair.privateKey.rawRepresentation)
            }
            writer.appendMessage(field: 3, &s)
        }
        return writer.bytes
    }

    /// An upper bound of one state's bytes, so that no writer regrows and leaves secrets in freed memory.
    private static func capacity(of state: State) -> Int {
        switch state {
        case .inbound(let inbound): 128 + inbound.skipped.packedCount
        case .outbound: 128
        }
    }

    private static func appendChain(to writer: inout ProtobufWriter, chainID: UInt32, chainKey: ChainKey, signingKey: ECPublicKey) {
        writer.appendUInt(field: 1, UInt64(chainID))
        writer.appendUInt(field: 2, UInt64(chainKey.index))
        writer.appendSecret(field: 3, chainKey.key)
        writer.appendBytes(field: 4, signingKey.rawRepresentation)
    }

    /// Restores a record from `serialized`; a corrupt one throws rather than loading in part, and so does an
    /// inconsistent one: a repeated singular field, two states of one chain id, more than
    /// `GroupLimits.maxStates` states, skipped seeds beyond the bound or not behind their iteration.
    public init(serialized bytes: [UInt8]) throws(RecordError) {
        guard let format = bytes.first else { throw RecordError(corrupt: Self.recordName, "empty") }
        guard format == Self.formatVersion else {
            throw RecordError(.unknownFormat, "sender key record format \(format) is not \(Self.formatVersion)")
        }
        var layout: SenderKeyLayout?, distributionID: [UInt8] = [], states: [State] = []
        try RecordError.fields(of: bytes[1...], in: Self.recordName, repeatable: 3) { field in
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
                let state = try Self.decodeState(try field.value.slice(field: 3))
                guard !states.contains(where: { $0.chainID == state.chainID }) else {
                    throw RecordError(corrupt: Self.recordName, "two states of chain \(state.chainID)")
                }
                states.append(state)
            default: break
            }
        }
        guard let layout else { throw RecordError(corrupt: Self.recordName, "lacks its layout") }
        guard (layout == .legacy) == distributionID.isEmpty else {
            throw RecordError(corrupt: Self.recordName, "distribution id does not match the layout")
        }
        self.init(layout: layout, distributionID: distributionID, states: states)
    }

    private static func decodeState(_ bytes: ArraySlice<UInt8>) throws(RecordError) -> State {
        var chainID: UInt32?, iteration: UInt32 = 0, seed: SymmetricKey256?, publicKey: ECPublicKey?
        var privateKey: ECPrivateKey?, packed: ArraySlice<UInt8> = []
        try RecordError.fields(of: bytes, in: recordName) { field in
            switch field.number {
            case 1: chainID = try field.value.uint32(field: 1)
            case 2: iteration = try field.value.uint32(field: 2)
            case 3: seed = try field.value.secretKey(field: 3)
            case 4: publicKey = try ECPublicKey(rawRepresentation: try field.value.slice(field: 4, count: 32))
            case 5: privateKey = try ECPrivateKey(rawRepresentation: try field.value.slice(field: 5, count: 32))
            case 6: packed = try field.value.slice(field: 6)
            default: break
            }
        }
        guard let chainID, let seed, let publicKey else { throw RecordError(corrupt: recordName, "a state lacks a field") }
        let skipped = try SkippedMessageKeys(packed: packed, limit: GroupLimits.chain.maxSkippedKeys, below: iteration, in: recordName)
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
