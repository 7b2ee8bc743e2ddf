@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// An ML-KEM-1024 prekey for PQXDH, signed by the identity key (XEdDSA over the 1569-byte serialized
/// public key, type byte `0x0A` included). One-time keys are deleted after their first use; a
/// last-resort key stays, and each (KEM prekey, signed prekey, base key) triple may be used only once.
public struct KEMPreKey: Sendable {
    /// Named in the bundle and in the PreKey messages that used this key.
    public let id: KEMPreKeyID
    /// Secret: decapsulates what initiators sent to this key.
    public let privateKey: MLKEMPrivateKey
    /// What the bundle publishes (1569 bytes serialized, type byte `0x0A`).
    public let publicKey: MLKEMPublicKey
    /// The identity key's XEdDSA signature over the serialized public key; peers check it when they build the bundle.
    public let signature: [UInt8]
    /// Milliseconds since 1970.
    public let timestamp: UInt64
    /// A last-resort key stays after use (for when one-time keys run out); a one-time key is deleted.
    public let isLastResort: Bool

    /// A key from its parts; the public key is derived from the private one, the signature is not checked here.
    public init(id: KEMPreKeyID, privateKey: MLKEMPrivateKey, signature: [UInt8], timestamp: UInt64, isLastResort: Bool) {
        self.id = id
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
        self.signature = signature
        self.timestamp = timestamp
        self.isLastResort = isLastResort
    }

    /// A fresh ML-KEM-1024 key signed by `identity`; `lastResort` decides whether it survives its first use.
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
        writer.appendSecret(field: 2, privateKey.seed)
        writer.appendBytes(field: 3, signature)
        writer.appendFixed64(field: 4, timestamp)
        if isLastResort { writer.appendUInt(field: 5, 1) }
        return writer.bytes
    }

    /// Restores a key from `serialized`, rebuilding the private key from its seed.
    public init(serialized: [UInt8]) throws(RecordError) {
        let record = "KEM prekey"
        var id: UInt32?, seed: SecretBytes?, signature: [UInt8]?, timestamp: UInt64 = 0, lastResort = false
        try RecordError.fields(of: serialized[...], in: record) { field in
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 2: seed = SecretBytes(try field.value.slice(field: 2, count: MLKEMPrivateKey.seedCount))
            case 3: signature = try field.value.bytes(field: 3, count: 64)
            case 4: if case .fixed64(let value) = field.value { timestamp = value }
            case 5: lastResort = try field.value.uint32(field: 5) != 0
            default: break
            }
        }
        guard let id, let seed, let signature else { throw RecordError(corrupt: record, "lacks a field") }
        let privateKey: MLKEMPrivateKey
        do {
            privateKey = try MLKEMPrivateKey(seed: seed)
        } catch {
            throw RecordError(corrupt: record, "seed: \(error.reason)", underlying: error)
        }
        self.init(id: KEMPreKeyID(id), privateKey: privateKey, signature: signature, timestamp: timestamp, isLastResort: lastResort)
    }
}
