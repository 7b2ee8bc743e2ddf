@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// An ML-KEM-1024 prekey for PQXDH, signed by the identity key (XEdDSA over the 1569-byte serialized
/// public key, type byte `0x0A` included). One-time keys are deleted after their first use; a
/// last-resort key stays, and each (KEM prekey, signed prekey, base key) triple may be used only once.
public struct KEMPreKey: Sendable {
    public let id: KEMPreKeyID
    public let privateKey: MLKEMPrivateKey
    public let publicKey: MLKEMPublicKey
    public let signature: [UInt8]
    /// Milliseconds since 1970.
    public let timestamp: UInt64
    public let isLastResort: Bool

    public init(id: KEMPreKeyID, privateKey: MLKEMPrivateKey, signature: [UInt8], timestamp: UInt64, isLastResort: Bool) {
        self.id = id
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
        self.signature = signature
        self.timestamp = timestamp
        self.isLastResort = isLastResort
    }

    public static func generate(
        id: KEMPreKeyID, signedBy identity: IdentityKeyPair, timestamp: UInt64, lastResort: Bool,
        using entropy: some EntropySource = SystemEntropy()
    ) -> KEMPreKey {
        let key = MLKEMPrivateKey.generate(using: entropy)
        let signature = identity.signature(for: key.publicKey.serialized, using: entropy)
        return KEMPreKey(id: id, privateKey: key, signature: signature, timestamp: timestamp, isLastResort: lastResort)
    }

    /// Record `{1 id, 2 seed (64), 3 signature, 4 fixed64 timestamp, 5 last resort}`. Secret.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 160)
        writer.appendUInt(field: 1, UInt64(id.rawValue))
        writer.appendBytes(field: 2, privateKey.seed.unprotectedBytes)
        writer.appendBytes(field: 3, signature)
        writer.appendFixed64(field: 4, timestamp)
        if isLastResort { writer.appendUInt(field: 5, 1) }
        return writer.bytes
    }

    public init(serialized: [UInt8]) throws(RecordError) {
        let record = "KEM prekey"
        var id: UInt32?, seed: [UInt8]?, signature: [UInt8]?, timestamp: UInt64 = 0, lastResort = false
        try RecordError.fields(of: serialized[...], in: record) { field in
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 2: seed = try field.value.bytes(field: 2, count: MLKEMPrivateKey.seedCount)
            case 3: signature = try field.value.bytes(field: 3, count: 64)
            case 4: if case .fixed64(let value) = field.value { timestamp = value }
            case 5: lastResort = try field.value.uint32(field: 5) != 0
            default: break
            }
        }
        guard let id, let seed, let signature else { throw RecordError(corrupt: record, "lacks a field") }
        let privateKey: MLKEMPrivateKey
        do {
            privateKey = try MLKEMPrivateKey(seed: SecretBytes(seed))
        } catch {
            throw RecordError(corrupt: record, "seed: \(error.reason)", underlying: error)
        }
        self.init(id: KEMPreKeyID(id), privateKey: privateKey, signature: signature, timestamp: timestamp, isLastResort: lastResort)
    }
}
