import CrosswireCrypto
import FoundationEssentials
import CrosswireWire

/// `0x01 ‖ protobuf{1 layout (0 legacy, 1 distribution UUID), 2 distribution id, 3 state…}`; state
/// `{1 chain id, 2 iteration, 3 chain key, 4 signing public (32), 5 signing private (32)?, 6 skipped packed
/// (iteration u32 LE ‖ seed 32)…}`.
extension SenderKeyRecord {
    public static let formatVersion: UInt8 = 1

    /// Secret: chain keys and, on the sender's device, the signing private key.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(prefix: [Self.formatVersion], reservingCapacity: 160 * states.count + 32)
        writer.appendUInt(field: 1, layout == .legacy ? 0 : 1)
        if !distributionID.isEmpty { writer.appendBytes(field: 2, distributionID) }
        for state in states {
            var s = ProtobufWriter(reservingCapacity: 160 + 36 * state.skipped.count)
            s.appendUInt(field: 1, UInt64(state.chainID))
            s.appendUInt(field: 2, UInt64(state.chainKey.iteration))
            s.appendBytes(field: 3, state.chainKey.seed.unprotectedBytes)
            s.appendBytes(field: 4, state.signingPublicKey.rawRepresentation)
            if let key = state.signingPrivateKey { s.appendBytes(field: 5, key.rawRepresentation.unprotectedBytes) }
            if !state.skipped.isEmpty {
                var packed = [UInt8]()
                for iteration in state.skipped.keys.sorted() {
                    withUnsafeBytes(of: iteration.littleEndian) { packed.append(contentsOf: $0) }
                    state.skipped[iteration]!.withUnsafeBytes { packed.append(contentsOf: $0) }
                }
                s.appendBytes(field: 6, packed)
            }
            writer.appendBytes(field: 3, s.bytes)
        }
        return writer.bytes
    }

    public init(serialized bytes: [UInt8]) throws {
        guard bytes.first == Self.formatVersion else {
            throw ProtocolError(.corruptRecord, "unknown sender key record format")
        }
        var layout: SenderKeyLayout?, distributionID: [UInt8] = [], states: [SenderKeyState] = []
        try SessionRecord.decode(bytes[1...]) { field in
            switch field.number {
            case 1:
                switch try field.value.uint32(field: 1) {
                case 0: layout = .legacy
                case 1: layout = .distributionUUID
                default: throw ProtocolError(.corruptRecord, "unknown sender key layout")
                }
            case 2: distributionID = try field.value.bytes(field: 2, count: 16)
            case 3:
                guard states.count < GroupLimits.maxStates else {
                    throw ProtocolError(.corruptRecord, "more than \(GroupLimits.maxStates) sender key states")
                }
                states.append(try Self.decodeState(try field.value.bytes(field: 3)))
            default: break
            }
        }
        guard let layout else { throw ProtocolError(.corruptRecord, "sender key record lacks its layout") }
        guard (layout == .legacy) == distributionID.isEmpty else {
            throw ProtocolError(.corruptRecord, "distribution id does not match the layout")
        }
        self.init(layout: layout, distributionID: distributionID, states: states)
    }

    private static func decodeState(_ bytes: [UInt8]) throws -> SenderKeyState {
        var chainID: UInt32?, iteration: UInt32 = 0, seed: SecretBytes?, publicKey: ECPublicKey?
        var privateKey: ECPrivateKey?, skipped: [UInt32: SecretBytes] = [:]
        try SessionRecord.decode(bytes[...]) { field in
            switch field.number {
            case 1: chainID = try field.value.uint32(field: 1)
            case 2: iteration = try field.value.uint32(field: 2)
            case 3: seed = SecretBytes(try field.value.bytes(field: 3, count: 32))
            case 4: publicKey = try ECPublicKey(rawRepresentation: try field.value.bytes(field: 4, count: 32))
            case 5: privateKey = try ECPrivateKey(rawRepresentation: try field.value.bytes(field: 5, count: 32))
            case 6:
                let packed = try field.value.bytes(field: 6)
                guard packed.count % 36 == 0, packed.count / 36 <= GroupLimits.maxSkippedKeys else {
                    throw ProtocolError(.corruptRecord, "skipped sender keys field of \(packed.count) bytes")
                }
                for offset in stride(from: 0, to: packed.count, by: 36) {
                    let i = UInt32(packed[offset]) | UInt32(packed[offset + 1]) << 8 | UInt32(packed[offset + 2]) << 16 | UInt32(packed[offset + 3]) << 24
                    skipped[i] = SecretBytes(packed[(offset + 4)..<(offset + 36)])
                }
            default: break
            }
        }
        guard let chainID, let seed, let publicKey else { throw ProtocolError(.corruptRecord, "sender key state lacks a field") }
        if let privateKey, privateKey.publicKey != publicKey {
            throw ProtocolError(.corruptRecord, "sender signing key pair does not match")
        }
        return SenderKeyState(chainID: chainID, chainKey: SenderChainKey(iteration: iteration, seed: seed),
                              signingPublicKey: publicKey, signingPrivateKey: privateKey, skipped: skipped)
    }
}
