@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// A medium-term prekey signed by the identity key (XEdDSA over the 33-byte serialized public key).
public struct SignedPreKey: Sendable {
    /// Named in the bundle and in every PreKey message of sessions built on this key.
    public let id: SignedPreKeyID
    /// The private half is secret; the public half is the responder's first ratchet key.
    public let keyPair: ECKeyPair
    /// The identity key's XEdDSA signature over the serialized public key (64 bytes).
    public let signature: [UInt8]
    /// Milliseconds since 1970, when it was made (for rotation policy).
    public let timestamp: UInt64

    /// A signed prekey from its parts; the signature is checked when a bundle is built from it.
    public init(id: SignedPreKeyID, keyPair: ECKeyPair, signature: [UInt8], timestamp: UInt64) {
        self.id = id
        self.keyPair = keyPair
        self.signature = signature
        self.timestamp = timestamp
    }

    /// A fresh key pair signed by `identity`; rotate it on the app's schedule and keep old ones while
    /// bundles naming them may still be used.
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
        writer.appendSecret(field: 3, keyPair.privateKey.rawRepresentation)
        writer.appendBytes(field: 4, signature)
        writer.appendFixed64(field: 5, timestamp)
        return writer.bytes
    }

    /// Restores a signed prekey from `serialized`; the public key is derived from the private one.
    public init(serialized: [UInt8]) throws(RecordError) {
        var id: UInt32?, privateKey: ECPrivateKey?, signature: [UInt8]?, timestamp: UInt64 = 0
        try RecordError.fields(of: serialized[...], in: "signed prekey") { field in
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 3: privateKey = try ECPrivateKey(rawRepresentation: try field.value.slice(field: 3, count: 32))
            case 4: signature = try field.value.bytes(field: 4, count: 64)
            case 5: if case .fixed64(let value) = field.value { timestamp = value }
            default: break
            }
        }
        guard let id, let privateKey, let signature else { throw RecordError(corrupt: "signed prekey", "lacks a field") }
        self.init(id: SignedPreKeyID(id), keyPair: ECKeyPair(privateKey: privateKey), signature: signature, timestamp: timestamp)
    }
}
