@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// The state inside a session record: `{1 version, 2 local identity, 3 remote identity, 4 root key,
/// 5 previous counter, 6 sending chain, 7 receiving chain…, 8 pending prekey, 9/10 registration ids,
/// 11 initiator base key}` (SPEC.md §5.7).
extension SessionState {
    static let recordName = SessionRecord.recordName

    var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 320)
        writer.appendUInt(field: 1, UInt64(version.rawValue))
        writer.appendBytes(field: 2, localIdentity.publicKey.rawRepresentation)
        writer.appendBytes(field: 3, remoteIdentity.publicKey.rawRepresentation)
        writer.appendBytes(field: 4, rootKey.key.rawRepresentation.unprotectedBytes)
        if previousCounter != 0 { writer.appendUInt(field: 5, UInt64(previousCounter)) }
        var sending = ProtobufWriter(reservingCapacity: 72)
        sending.appendBytes(field: 1, sendingChain.ratchetKeyPair.privateKey.rawRepresentation.unprotectedBytes)
        sending.appendBytes(field: 2, sendingChain.chainKey.key.rawRepresentation.unprotectedBytes)
        if sendingChain.chainKey.index != 0 { sending.appendUInt(field: 3, UInt64(sendingChain.chainKey.index)) }
        writer.appendBytes(field: 6, sending.bytes)
        for chain in receivingChains {
            var receiving = ProtobufWriter(reservingCapacity: 72 + 36 * chain.skipped.count)
            receiving.appendBytes(field: 1, chain.ratchetKey.rawRepresentation)
            receiving.appendBytes(field: 2, chain.chainKey.key.rawRepresentation.unprotectedBytes)
            if chain.chainKey.index != 0 { receiving.appendUInt(field: 3, UInt64(chain.chainKey.index)) }
            if !chain.skipped.isEmpty { receiving.appendBytes(field: 4, chain.skipped.packed) }
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
        if localRegistrationID.rawValue != 0 { writer.appendUInt(field: 9, UInt64(localRegistrationID.rawValue)) }
        if remoteRegistrationID.rawValue != 0 { writer.appendUInt(field: 10, UInt64(remoteRegistrationID.rawValue)) }
        writer.appendBytes(field: 11, aliceBaseKey.rawRepresentation)
        return writer.bytes
    }

    init(serialized bytes: [UInt8]) throws(RecordError) {
        var version: MessageVersion?, local: IdentityKey?, remote: IdentityKey?, root: RootKey?
        var previousCounter: UInt32 = 0, sending: SendingChain?, receiving: [ReceivingChain] = []
        var pending: (PreKeyID?, SignedPreKeyID, KEMPreKeyID?, [UInt8]?)?, localRegistration: UInt32 = 0, remoteRegistration: UInt32 = 0
        var baseKey: ECPublicKey?
        try RecordError.fields(of: bytes[...], in: Self.recordName) { field in
            switch field.number {
            case 1:
                let v = try field.value.uint32(field: 1)
                guard let known = UInt8(exactly: v).flatMap(MessageVersion.init(rawValue:)) else {
                    throw RecordError(corrupt: Self.recordName, "session version \(v)")
                }
                version = known
            case 2: local = IdentityKey(try ECPublicKey(rawRepresentation: try field.value.bytes(field: 2, count: 32)))
            case 3: remote = IdentityKey(try ECPublicKey(rawRepresentation: try field.value.bytes(field: 3, count: 32)))
            case 4: root = RootKey(SymmetricKey256(exactly: SecretBytes(try field.value.bytes(field: 4, count: 32))))
            case 5: previousCounter = try field.value.uint32(field: 5)
            case 6: sending = try Self.decodeSending(try field.value.bytes(field: 6))
            case 7:
                guard receiving.count < SessionLimits.maxReceivingChains else {
                    throw RecordError(corrupt: Self.recordName, "more than \(SessionLimits.maxReceivingChains) receiving chains")
                }
                receiving.append(try Self.decodeReceiving(try field.value.bytes(field: 7)))
            case 8:
                var id: PreKeyID?, signed: SignedPreKeyID?, kemID: KEMPreKeyID?, kemCiphertext: [UInt8]?
                try RecordError.fields(of: try field.value.bytes(field: 8)[...], in: Self.recordName) { inner in
                    if inner.number == 1 { id = PreKeyID(try inner.value.uint32(field: 1)) }
                    if inner.number == 2 { signed = SignedPreKeyID(try inner.value.uint32(field: 2)) }
                    if inner.number == 3 { kemID = KEMPreKeyID(try inner.value.uint32(field: 3)) }
                    if inner.number == 4 { kemCiphertext = try inner.value.bytes(field: 4, count: WireLimits.kemCiphertextBytes) }
                }
                guard let signed else { throw RecordError(corrupt: Self.recordName, "pending prekey lacks its signed prekey id") }
                guard (kemID == nil) == (kemCiphertext == nil) else { throw RecordError(corrupt: Self.recordName, "pending KEM prekey is incomplete") }
                pending = (id, signed, kemID, kemCiphertext)
            case 9: localRegistration = try field.value.uint32(field: 9)
            case 10: remoteRegistration = try field.value.uint32(field: 10)
            case 11: baseKey = try ECPublicKey(rawRepresentation: try field.value.bytes(field: 11, count: 32))
            default: break
            }
        }
        guard let version, let local, let remote, let root, let sending, let baseKey else {
            throw RecordError(corrupt: Self.recordName, "session state lacks a required field")
        }
        self.init(
            version: version, localIdentity: local, remoteIdentity: remote, rootKey: root,
            previousCounter: previousCounter, sendingChain: sending, receivingChains: receiving,
            pendingPreKey: pending.map { PendingPreKey(preKeyID: $0.0, signedPreKeyID: $0.1, baseKey: baseKey, kemPreKeyID: $0.2, kemCiphertext: $0.3) },
            localRegistrationID: RegistrationID(unchecked: localRegistration), remoteRegistrationID: RegistrationID(unchecked: remoteRegistration),
            aliceBaseKey: baseKey)
    }

    private static func decodeSending(_ bytes: [UInt8]) throws(RecordError) -> SendingChain {
        var privateKey: ECPrivateKey?, chainKey: SymmetricKey256?, index: UInt32 = 0
        try RecordError.fields(of: bytes[...], in: Self.recordName) { field in
            switch field.number {
            case 1: privateKey = try ECPrivateKey(rawRepresentation: try field.value.bytes(field: 1, count: 32))
            case 2: chainKey = SymmetricKey256(exactly: SecretBytes(try field.value.bytes(field: 2, count: 32)))
            case 3: index = try field.value.uint32(field: 3)
            default: break
            }
        }
        guard let privateKey, let chainKey else { throw RecordError(corrupt: Self.recordName, "sending chain lacks a key") }
        return SendingChain(ratchetKeyPair: ECKeyPair(privateKey: privateKey), chainKey: ChainKey(chainKey, index: index))
    }

    private static func decodeReceiving(_ bytes: [UInt8]) throws(RecordError) -> ReceivingChain {
        var ratchetKey: ECPublicKey?, chainKey: SymmetricKey256?, index: UInt32 = 0
        var skipped = SkippedMessageKeys(limit: SessionLimits.chain.maxSkippedKeys)
        try RecordError.fields(of: bytes[...], in: Self.recordName) { field in
            switch field.number {
            case 1: ratchetKey = try ECPublicKey(rawRepresentation: try field.value.bytes(field: 1, count: 32))
            case 2: chainKey = SymmetricKey256(exactly: SecretBytes(try field.value.bytes(field: 2, count: 32)))
            case 3: index = try field.value.uint32(field: 3)
            case 4:
                skipped = try SkippedMessageKeys(packed: try field.value.bytes(field: 4), limit: SessionLimits.chain.maxSkippedKeys,
                                                 in: Self.recordName)
            default: break
            }
        }
        guard let ratchetKey, let chainKey else { throw RecordError(corrupt: Self.recordName, "receiving chain lacks a key") }
        return ReceivingChain(ratchetKey: ratchetKey, chainKey: ChainKey(chainKey, index: index), skipped: skipped)
    }
}
