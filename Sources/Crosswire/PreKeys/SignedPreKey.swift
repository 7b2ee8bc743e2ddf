@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// A medium-term prekey signed by the identity key (XEdDSA over the 33-byte serialized public key).
public struct SignedPreKey: Sendable {
    public let id: SignedPreKeyID
    public let keyPair: ECKeyPair
    public let signature: [UInt8]
    /// Milliseconds since 1970, when it was made (for rotation policy).
    public let timestamp: UInt64

    public init(id: SignedPreKeyID, keyPair: ECKeyPair, signature: [UInt8], timestamp: UInt64) {
        self.id = id
        self.keyPair = keyPair
        self.signature = signature
        self.timestamp = timestamp
    }

    public static func generate(
        id: SignedPreKeyID, signedBy identity: IdentityKeyPair, timestamp: UInt64,
        using entropy: some EntropySource = SystemEntropy()
    ) -> SignedPreKey {
        let keyPair = ECKeyPair.generate(using: entropy)
        let signature = identity.signature(for: keyPair.publicKey.serialized, using: entropy)
        return SignedPreKey(id: id, keyPair: keyPair, signature: signature, timestamp: timestamp)
    }

    /// Record form `{1 id, 2 public, 3 private, 4 signature, 5 fixed64 timestamp}`. Secret.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 160)
        writer.appendUInt(field: 1, UInt64(id.rawValue))
        writer.appendBytes(field: 2, keyPair.publicKey.serialized)
        writer.appendBytes(field: 3, keyPair.privateKey.rawRepresentation.unprotectedBytes)
        writer.appendBytes(field: 4, signature)
        writer.appendFixed64(field: 5, timestamp)
        return writer.bytes
    }

    public init(serialized: [UInt8]) throws(RecordError) {
        var id: UInt32?, privateKey: ECPrivateKey?, signature: [UInt8]?, timestamp: UInt64 = 0
        try RecordError.fields(of: serialized[...], in: "signed prekey") { field in
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 3: privateKey = try ECPrivateKey(rawRepresentation: try field.value.bytes(field: 3, count: 32))
            case 4: signature = try field.value.bytes(field: 4, count: 64)
            case 5: if case .fixed64(let value) = field.value { timestamp = value }
            default: break
            }
        }
        guard let id, let privateKey, let signature else { throw RecordError(corrupt: "signed prekey", "lacks a field") }
        self.init(id: SignedPreKeyID(id), keyPair: ECKeyPair(privateKey: privateKey), signature: signature, timestamp: timestamp)
    }
}
