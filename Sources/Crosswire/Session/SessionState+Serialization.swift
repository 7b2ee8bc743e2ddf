@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// The state inside a session record: `{1 version, 2 local identity, 3 remote identity, 4 root key,
/// 5 previous counter, 6 sending chain, 7 receiving chain…, 8 pending prekey, 9/10 registration ids,
/// 11 initiator base key}` (SPEC.md §5.7).
extension SessionState {
    static let recordName = SessionRecord.recordName

    private typealias W = ProtobufWriter

    /// The exact length of the encoded state, so that a record is written into one buffer of the right
    /// size: no regrowth (which would leave a copy of the secrets in freed memory) and no nested buffers.
    var encodedCount: Int {
        var count = W.uintFieldCount(field: 1, UInt64(version.rawValue))
            + W.bytesFieldCount(field: 2, count: 32) + W.bytesFieldCount(field: 3, count: 32) + W.bytesFieldCount(field: 4, count: 32)
            + W.bytesFieldCount(field: 6, count: sendingCount) + W.bytesFieldCount(field: 11, count: 32)
        if previousCounter != 0 { count += W.uintFieldCount(field: 5, UInt64(previousCounter)) }
        for chain in receivingChains { count += W.bytesFieldCount(field: 7, count: Self.receivingCount(chain)) }
        if let pending = pendingPreKey { count += W.bytesFieldCount(field: 8, count: Self.pendingCount(pending)) }
        if localRegistrationID.rawValue != 0 { count += W.uintFieldCount(field: 9, UInt64(localRegistrationID.rawValue)) }
        if remoteRegistrationID.rawValue != 0 { count += W.uintFieldCount(field: 10, UInt64(remoteRegistrationID.rawValue)) }
        return count
    }

    private var sendingCount: Int {
        3 * W.bytesFieldCount(field: 1, count: 32)
            + (sendingChain.chainKey.index != 0 ? W.uintFieldCount(field: 3, UInt64(sendingChain.chainKey.index)) : 0)
    }

    private static func receivingCount(_ chain: ReceivingChain) -> Int {
        2 * W.bytesFieldCount(field: 1, count: 32)
            + (chain.chainKey.index != 0 ? W.uintFieldCount(field: 3, UInt64(chain.chainKey.index)) : 0)
            + (chain.skipped.isEmpty ? 0 : W.bytesFieldCount(field: 4, count: chain.skipped.packedCount))
    }

    private static func pendingCount(_ pending: PendingPreKey) -> Int {
        var count = W.uintFieldCount(field: 2, UInt64(pending.signedPreKeyID.rawValue))
        if let id = pending.preKeyID { count += W.uintFieldCount(field: 1, UInt64(id.rawValue)) }
        if let id = pending.kemPreKeyID { count += W.uintFieldCount(field: 3, UInt64(id.rawValue)) }
        if let ciphertext = pending.kemCiphertext { count += W.bytesFieldCount(field: 4, count: ciphertext.count) }
        if pending.createdAt != 0 { count += W.keyCount(field: 5) + 8 }
        return count
    }

    /// The state alone (a record's field payload), for tests that build records by hand.
    var serialized: [UInt8] {
        let total = encodedCount
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            var out = ProtobufCursor(UnsafeMutableRawBufferPointer(buffer))
            encode(into: &out)
            count = out.offset
        }
    }

    /// Writes the state's fields (exactly `encodedCount` bytes) in tag order, secrets copied straight
    /// from their containers.
    func encode(into out: inout ProtobufCursor) {
        out.putUIntField(1, UInt64(version.rawValue))
        localIdentity.publicKey.withUnsafeRawBytes { out.putBytesField(2, $0) }
        remoteIdentity.publicKey.withUnsafeRawBytes { out.putBytesField(3, $0) }
        rootKey.key.withUnsafeBytes { out.putBytesField(4, $0) }
        if previousCounter != 0 { out.putUIntField(5, UInt64(previousCounter)) }
        out.putKeyAndLength(6, sendingCount)
        sendingChain.ratchetKeyPair.privateKey.rawRepresentation.withUnsafeBytes { out.putBytesField(1, $0) }
        sendingChain.chainKey.key.withUnsafeBytes { out.putBytesField(2, $0) }
        if sendingChain.chainKey.index != 0 { out.putUIntField(3, UInt64(sendingChain.chainKey.index)) }
        sendingChain.ratchetKeyPair.publicKey.withUnsafeRawBytes { out.putBytesField(4, $0) }
        for chain in receivingChains {
            out.putKeyAndLength(7, Self.receivingCount(chain))
            chain.ratchetKey.withUnsafeRawBytes { out.putBytesField(1, $0) }
            chain.chainKey.key.withUnsafeBytes { out.putBytesField(2, $0) }
            if chain.chainKey.index != 0 { out.putUIntField(3, UInt64(chain.chainKey.index)) }
            if !chain.skipped.isEmpty { chain.skipped.encode(into: &out, field: 4) }
        }
        if let pending = pendingPreKey {
            out.putKeyAndLength(8, Self.pendingCount(pending))
            if let id = pending.preKeyID { out.putUIntField(1, UInt64(id.rawValue)) }
            out.putUIntField(2, UInt64(pending.signedPreKeyID.rawValue))
            if let id = pending.kemPreKeyID { out.putUIntField(3, UInt64(id.rawValue)) }
            if let ciphertext = pending.kemCiphertext { ciphertext.withUnsafeBytes { out.putBytesField(4, $0) } }
            if pending.createdAt != 0 { out.putFixed64Field(5, pending.createdAt) }
        }
        if localRegistrationID.rawValue != 0 { out.putUIntField(9, UInt64(localRegistrationID.rawValue)) }
        if remoteRegistrationID.rawValue != 0 { out.putUIntField(10, UInt64(remoteRegistrationID.rawValue)) }
        aliceBaseKey.withUnsafeRawBytes { out.putBytesField(11, $0) }
    }

    /// Decodes one state and refuses any structural inconsistency: a repeated singular field, a missing
    /// one, wrong lengths, too many chains, two chains on one ratchet key, skipped keys out of order or
    /// ahead of their chain, and pending KEM fields that do not match the version (v4 needs both, v3
    /// none). Reads raw memory (`ProtobufScanner`); secrets go straight from it into wiping containers.
    init(serialized bytes: UnsafeRawBufferPointer) throws(RecordError) {
        let name = Self.recordName
        var version: MessageVersion?, local: IdentityKey?, remote: IdentityKey?, root: RootKey?
        var previousCounter: UInt32 = 0, sending: SendingChain?, receiving: [ReceivingChain] = []
        var pending: PendingFields?, localRegistration: UInt32 = 0, remoteRegistration: UInt32 = 0
        var baseKey: ECPublicKey?
        var fields = RecordScanner(bytes, in: name, repeatable: 7)
        while let field = try fields.next() {
            switch field.number {
            case 1:
                let v = try field.uint32(in: name)
                guard let known = UInt8(exactly: v).flatMap(MessageVersion.init(rawValue:)) else {
                    throw RecordError(corrupt: name, "session version \(v)")
                }
                version = known
            case 2: local = IdentityKey(try field.publicKey(in: name))
            case 3: remote = IdentityKey(try field.publicKey(in: name))
            case 4: root = RootKey(try field.secretKey(in: name))
            case 5: previousCounter = try field.uint32(in: name)
            case 6: sending = try Self.decodeSending(try field.bytes(in: name))
            case 7:
                guard receiving.count < SessionLimits.maxReceivingChains else {
                    throw RecordError(corrupt: name, "more than \(SessionLimits.maxReceivingChains) receiving chains")
                }
                let chain = try Self.decodeReceiving(try field.bytes(in: name))
                guard !receiving.contains(where: { $0.ratchetKey == chain.ratchetKey }) else {
                    throw RecordError(corrupt: name, "two receiving chains on one ratchet key")
                }
                receiving.append(chain)
            case 8: pending = try PendingFields(try field.bytes(in: name))
            case 9: localRegistration = try field.uint32(in: name)
            case 10: remoteRegistration = try field.uint32(in: name)
            case 11: baseKey = try field.publicKey(in: name)
            default: break
            }
        }
        guard let version, let local, let remote, let root, let sending, let baseKey else {
            throw RecordError(corrupt: Self.recordName, "session state lacks a required field")
        }
        if let pending, (pending.kemID != nil) != (version == .v4) {
            throw RecordError(corrupt: Self.recordName, version == .v4 ? "a v4 pending prekey without its KEM prekey" : "a v3 pending prekey with a KEM prekey")
        }
        self.init(
            version: version, localIdentity: local, remoteIdentity: remote, rootKey: root,
            previousCounter: previousCounter, sendingChain: sending, receivingChains: receiving,
            pendingPreKey: pending.map { PendingPreKey(preKeyID: $0.id, signedPreKeyID: $0.signed, baseKey: baseKey, kemPreKeyID: $0.kemID, kemCiphertext: $0.kemCiphertext, createdAt: $0.createdAt) },
            localRegistrationID: RegistrationID(unchecked: localRegistration), remoteRegistrationID: RegistrationID(unchecked: remoteRegistration),
            aliceBaseKey: baseKey)
    }

    /// The pending prekey sub-message `{1 one-time id, 2 signed id, 3 KEM id, 4 KEM ciphertext, 5 fixed64
    /// created at (ms)}`.
    private struct PendingFields {
        var id: PreKeyID?, signed: SignedPreKeyID, kemID: KEMPreKeyID?, kemCiphertext: [UInt8]?, createdAt: UInt64 = 0

        init(_ bytes: UnsafeRawBufferPointer) throws(RecordError) {
            let name = SessionState.recordName
            var id: PreKeyID?, signed: SignedPreKeyID?, kemID: KEMPreKeyID?, kemCiphertext: [UInt8]?, createdAt: UInt64 = 0
            var fields = RecordScanner(bytes, in: name)
            while let inner = try fields.next() {
                switch inner.number {
                case 1: id = PreKeyID(try inner.uint32(in: name))
                case 2: signed = SignedPreKeyID(try inner.uint32(in: name))
                case 3: kemID = KEMPreKeyID(try inner.uint32(in: name))
                case 4: kemCiphertext = Array(try inner.bytes(count: WireLimits.kemCiphertextBytes, in: name))
                case 5: if inner.wireType == 1 { createdAt = inner.varint }
                default: break
                }
            }
            guard let signed else { throw RecordError(corrupt: SessionState.recordName, "pending prekey lacks its signed prekey id") }
            guard (kemID == nil) == (kemCiphertext == nil) else { throw RecordError(corrupt: SessionState.recordName, "pending KEM prekey is incomplete") }
            (self.id, self.signed, self.kemID, self.kemCiphertext, self.createdAt) = (id, signed, kemID, kemCiphertext, createdAt)
        }
    }

    private static func decodeSending(_ bytes: UnsafeRawBufferPointer) throws(RecordError) -> SendingChain {
        let name = Self.recordName
        var privateBytes: UnsafeRawBufferPointer?, chainKey: SymmetricKey256?, index: UInt32 = 0, publicKey: ECPublicKey?
        var fields = RecordScanner(bytes, in: name)
        while let field = try fields.next() {
            switch field.number {
            case 1: privateBytes = try field.bytes(count: 32, in: name)
            case 2: chainKey = try field.secretKey(in: name)
            case 3: index = try field.uint32(in: name)
            case 4: publicKey = try field.publicKey(in: name)
            default: break
            }
        }
        guard let privateBytes, let chainKey else { throw RecordError(corrupt: Self.recordName, "sending chain lacks a key") }
        let pair: ECKeyPair
        do {
            // The stored public key saves a scalar multiplication per parse; records written before
            // field 4 derive it.
            if let publicKey {
                pair = ECKeyPair(privateKey: try ECPrivateKey(restoring: privateBytes), storedPublicKey: publicKey)
            } else {
                pair = ECKeyPair(privateKey: try ECPrivateKey(rawRepresentation: privateBytes))
            }
        } catch {
            throw RecordError(corrupt: Self.recordName, "sending ratchet key: \(error.reason)", underlying: error)
        }
        return SendingChain(ratchetKeyPair: pair, chainKey: ChainKey(chainKey, index: index))
    }

    private static func decodeReceiving(_ bytes: UnsafeRawBufferPointer) throws(RecordError) -> ReceivingChain {
        var ratchetKey: ECPublicKey?, chainKey: SymmetricKey256?, index: UInt32 = 0
        var packed = UnsafeRawBufferPointer(start: nil, count: 0)
        let name = Self.recordName
        var fields = RecordScanner(bytes, in: name)
        while let field = try fields.next() {
            switch field.number {
            case 1: ratchetKey = try field.publicKey(in: name)
            case 2: chainKey = try field.secretKey(in: name)
            case 3: index = try field.uint32(in: name)
            case 4: packed = try field.bytes(in: name)
            default: break
            }
        }
        guard let ratchetKey, let chainKey else { throw RecordError(corrupt: Self.recordName, "receiving chain lacks a key") }
        let skipped = try SkippedMessageKeys(packed: packed, limit: SessionLimits.chain.maxSkippedKeys, below: index, in: Self.recordName)
        return ReceivingChain(ratchetKey: ratchetKey, chainKey: ChainKey(chainKey, index: index), skipped: skipped)
    }
}
