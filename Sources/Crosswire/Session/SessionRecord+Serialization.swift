import CrosswireCrypto
import FoundationEssentials
import CrosswireWire

/// Versioned compact bytes for records (SPEC.md §5.7): `0x01 ‖ protobuf{1 current, 2 archived…}`.
/// Keys are stored as bare 32-byte values (no type byte); public ratchet keys are re-derived from their
/// private keys on load. Never `Codable`: secrets leave only through this explicit serializer.
extension SessionRecord {
    public static let formatVersion: UInt8 = 1

    /// Secret: contains root, chain and ratchet private keys.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(prefix: [Self.formatVersion], reservingCapacity: 384)
        if let current { writer.appendBytes(field: 1, current.serialized) }
        for state in archived { writer.appendBytes(field: 2, state.serialized) }
        return writer.bytes
    }

    public init(serialized bytes: [UInt8]) throws {
        guard let format = bytes.first else { throw ProtocolError(.corruptRecord, "empty session record") }
        guard format == Self.formatVersion else {
            throw ProtocolError(.corruptRecord, "unknown session record format \(format)")
        }
        var current: SessionState?
        var archived: [SessionState] = []
        try Self.decode(bytes[1...]) { field in
            switch field.number {
            case 1: current = try SessionState(serialized: try field.value.bytes(field: 1))
            case 2:
                guard archived.count < SessionLimits.maxArchivedStates else {
                    throw ProtocolError(.corruptRecord, "more than \(SessionLimits.maxArchivedStates) archived states")
                }
                archived.append(try SessionState(serialized: try field.value.bytes(field: 2)))
            default: break
            }
        }
        self.init(current: current, archived: archived)
    }

    /// Runs `body` over each field, turning codec errors into `corruptRecord`.
    static func decode(_ bytes: ArraySlice<UInt8>, _ body: (ProtobufReader.Field) throws -> Void) throws {
        do {
            var reader = ProtobufReader(bytes)
            while let field = try reader.next() { try body(field) }
        } catch let error as WireFormatError {
            throw ProtocolError(.corruptRecord, "record: \(error.reason)")
        } catch let error as CryptoError {
            throw ProtocolError(.corruptRecord, "record key: \(error.reason)")
        }
    }
}

extension SessionState {
    var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 320)
        writer.appendUInt(field: 1, UInt64(version))
        writer.appendBytes(field: 2, localIdentity.publicKey.rawRepresentation)
        writer.appendBytes(field: 3, remoteIdentity.publicKey.rawRepresentation)
        writer.appendBytes(field: 4, rootKey.key.unprotectedBytes)
        if previousCounter != 0 { writer.appendUInt(field: 5, UInt64(previousCounter)) }
        var sending = ProtobufWriter(reservingCapacity: 72)
        sending.appendBytes(field: 1, sendingChain.ratchetKeyPair.privateKey.rawRepresentation.unprotectedBytes)
        sending.appendBytes(field: 2, sendingChain.chainKey.key.unprotectedBytes)
        if sendingChain.chainKey.index != 0 { sending.appendUInt(field: 3, UInt64(sendingChain.chainKey.index)) }
        writer.appendBytes(field: 6, sending.bytes)
        for chain in receivingChains {
            var receiving = ProtobufWriter(reservingCapacity: 72 + 36 * chain.skipped.count)
            receiving.appendBytes(field: 1, chain.ratchetKey.rawRepresentation)
            receiving.appendBytes(field: 2, chain.chainKey.key.unprotectedBytes)
            if chain.chainKey.index != 0 { receiving.appendUInt(field: 3, UInt64(chain.chainKey.index)) }
            if chain.skipped.count > 0 {
                var packed = [UInt8]()
                packed.reserveCapacity(36 * chain.skipped.count)
                for counter in chain.skipped.sortedCounters {
                    withUnsafeBytes(of: counter.littleEndian) { packed.append(contentsOf: $0) }
                    chain.skipped.seed(for: counter)!.withUnsafeBytes { packed.append(contentsOf: $0) }
                }
                receiving.appendBytes(field: 4, packed)
            }
            writer.appendBytes(field: 7, receiving.bytes)
        }
        if let pending = pendingPreKey {
            var p = ProtobufWriter(reservingCapacity: 12)
            if let id = pending.preKeyID { p.appendUInt(field: 1, UInt64(id.rawValue)) }
            p.appendUInt(field: 2, UInt64(pending.signedPreKeyID.rawValue))
            if let id = pending.kemPreKeyID { p.appendUInt(field: 3, UInt64(id.rawValue)) }
            if let ciphertext = pending.kemCiphertext { p.appendBytes(field: 4, ciphertext) }
            writer.appendBytes(field: 8, p.bytes)
        }
        if localRegistrationID != 0 { writer.appendUInt(field: 9, UInt64(localRegistrationID)) }
        if remoteRegistrationID != 0 { writer.appendUInt(field: 10, UInt64(remoteRegistrationID)) }
        writer.appendBytes(field: 11, aliceBaseKey.rawRepresentation)
        return writer.bytes
    }

    init(serialized bytes: [UInt8]) throws {
        var version: UInt8?, local: IdentityKey?, remote: IdentityKey?, root: RootKey?
        var previousCounter: UInt32 = 0, sending: SendingChain?, receiving: [ReceivingChain] = []
        var pending: (PreKeyID?, SignedPreKeyID, KEMPreKeyID?, [UInt8]?)?, localRegistration: UInt32 = 0, remoteRegistration: UInt32 = 0
        var baseKey: ECPublicKey?
        try SessionRecord.decode(bytes[...]) { field in
            switch field.number {
            case 1:
                let v = try field.value.uint32(field: 1)
                guard v == 3 || v == 4 else { throw ProtocolError(.corruptRecord, "session version \(v)") }
                version = UInt8(v)
            case 2: local = IdentityKey(try ECPublicKey(rawRepresentation: try field.value.bytes(field: 2, count: 32)))
            case 3: remote = IdentityKey(try ECPublicKey(rawRepresentation: try field.value.bytes(field: 3, count: 32)))
            case 4: root = RootKey(SecretBytes(try field.value.bytes(field: 4, count: 32)))
            case 5: previousCounter = try field.value.uint32(field: 5)
            case 6: sending = try Self.decodeSending(try field.value.bytes(field: 6))
            case 7:
                guard receiving.count < SessionLimits.maxReceivingChains else {
                    throw ProtocolError(.corruptRecord, "more than \(SessionLimits.maxReceivingChains) receiving chains")
                }
                receiving.append(try Self.decodeReceiving(try field.value.bytes(field: 7)))
            case 8:
                var id: PreKeyID?, signed: SignedPreKeyID?, kemID: KEMPreKeyID?, kemCiphertext: [UInt8]?
                try SessionRecord.decode(try field.value.bytes(field: 8)[...]) { inner in
                    if inner.number == 1 { id = PreKeyID(try inner.value.uint32(field: 1)) }
                    if inner.number == 2 { signed = SignedPreKeyID(try inner.value.uint32(field: 2)) }
                    if inner.number == 3 { kemID = KEMPreKeyID(try inner.value.uint32(field: 3)) }
                    if inner.number == 4 { kemCiphertext = try inner.value.bytes(field: 4, count: WireLimits.kemCiphertextBytes) }
                }
                guard let signed else { throw ProtocolError(.corruptRecord, "pending prekey lacks its signed prekey id") }
                guard (kemID == nil) == (kemCiphertext == nil) else { throw ProtocolError(.corruptRecord, "pending KEM prekey is incomplete") }
                pending = (id, signed, kemID, kemCiphertext)
            case 9: localRegistration = try field.value.uint32(field: 9)
            case 10: remoteRegistration = try field.value.uint32(field: 10)
            case 11: baseKey = try ECPublicKey(rawRepresentation: try field.value.bytes(field: 11, count: 32))
            default: break
            }
        }
        guard let version, let local, let remote, let root, let sending, let baseKey else {
            throw ProtocolError(.corruptRecord, "session state lacks a required field")
        }
        self.init(
            version: version, localIdentity: local, remoteIdentity: remote, rootKey: root,
            previousCounter: previousCounter, sendingChain: sending, receivingChains: receiving,
            pendingPreKey: pending.map { PendingPreKey(preKeyID: $0.0, signedPreKeyID: $0.1, baseKey: baseKey, kemPreKeyID: $0.2, kemCiphertext: $0.3) },
            localRegistrationID: localRegistration, remoteRegistrationID: remoteRegistration, aliceBaseKey: baseKey)
    }

    private static func decodeSending(_ bytes: [UInt8]) throws -> SendingChain {
        var privateKey: ECPrivateKey?, chainKey: SecretBytes?, index: UInt32 = 0
        try SessionRecord.decode(bytes[...]) { field in
            switch field.number {
            case 1: privateKey = try ECPrivateKey(rawRepresentation: try field.value.bytes(field: 1, count: 32))
            case 2: chainKey = SecretBytes(try field.value.bytes(field: 2, count: 32))
            case 3: index = try field.value.uint32(field: 3)
            default: break
            }
        }
        guard let privateKey, let chainKey else { throw ProtocolError(.corruptRecord, "sending chain lacks a key") }
        return SendingChain(ratchetKeyPair: ECKeyPair(privateKey: privateKey), chainKey: ChainKey(chainKey, index: index))
    }

    private static func decodeReceiving(_ bytes: [UInt8]) throws -> ReceivingChain {
        var ratchetKey: ECPublicKey?, chainKey: SecretBytes?, index: UInt32 = 0
        var skipped = SkippedMessageKeys()
        try SessionRecord.decode(bytes[...]) { field in
            switch field.number {
            case 1: ratchetKey = try ECPublicKey(rawRepresentation: try field.value.bytes(field: 1, count: 32))
            case 2: chainKey = SecretBytes(try field.value.bytes(field: 2, count: 32))
            case 3: index = try field.value.uint32(field: 3)
            case 4:
                let packed = try field.value.bytes(field: 4)
                guard packed.count % 36 == 0, packed.count / 36 <= SessionLimits.maxSkippedKeysPerChain else {
                    throw ProtocolError(.corruptRecord, "skipped keys field of \(packed.count) bytes")
                }
                var previous: UInt32?
                for offset in stride(from: 0, to: packed.count, by: 36) {
                    let counter = UInt32(packed[offset]) | UInt32(packed[offset + 1]) << 8
                        | UInt32(packed[offset + 2]) << 16 | UInt32(packed[offset + 3]) << 24
                    if let previous, counter <= previous { throw ProtocolError(.corruptRecord, "skipped keys out of order") }
                    previous = counter
                    skipped.insert(SecretBytes(packed[(offset + 4)..<(offset + 36)]), for: counter)
                }
            default: break
            }
        }
        guard let ratchetKey, let chainKey else { throw ProtocolError(.corruptRecord, "receiving chain lacks a key") }
        return ReceivingChain(ratchetKey: ratchetKey, chainKey: ChainKey(chainKey, index: index), skipped: skipped)
    }
}
