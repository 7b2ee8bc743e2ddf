@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// The private half of a device identity. Serialized like libsignal's `IdentityKeyPairStructure`
/// (`1: public 33 B`, `2: private 32 B`).
public struct IdentityKeyPair: Sendable, CustomStringConvertible {
    /// The public half: what the device publishes and peers trust.
    public let identityKey: IdentityKey
    /// Secret: the device's long-term private key.
    public let privateKey: ECPrivateKey

    /// An identity from an existing Curve25519 key pair.
    public init(keyPair: ECKeyPair) {
        identityKey = IdentityKey(keyPair.publicKey)
        privateKey = keyPair.privateKey
    }

    /// A fresh identity, made once per device install; pass seeded entropy only in tests and vectors.
    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> IdentityKeyPair {
        IdentityKeyPair(keyPair: .generate(using: entropy))
    }

    /// A 64-byte XEdDSA signature over `message`, as prekeys are signed; randomized by `entropy`.
    public func signature(for message: [UInt8], using entropy: some EntropySource = SystemEntropy()) -> [UInt8] {
        privateKey.signature(for: message, using: entropy)
    }

    /// Secret: the private key is in the output.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 72)
        writer.appendBytes(field: 1, identityKey.serialized)
        writer.appendSecret(field: 2, privateKey.rawRepresentation)
        return writer.bytes
    }

    /// Restores a pair from `serialized`; a public key that does not match the private key is `corruptRecord`.
    public init(serialized: [UInt8]) throws(RecordError) {
        let record = "identity key pair"
        var publicBytes: [UInt8]?, privateKey: ECPrivateKey?
        try RecordError.fields(of: serialized[...], in: record) { field in
            switch field.number {
            case 1: publicBytes = try field.value.bytes(field: 1, count: 33)
            case 2: privateKey = try ECPrivateKey(rawRepresentation: try field.value.slice(field: 2, count: 32))
            default: break
            }
        }
        guard let publicBytes, let privateKey else { throw RecordError(corrupt: record, "lacks a key") }
        // The one public-key derivation in record decoding: an identity is loaded once per process.
        guard privateKey.publicKey.serialized == publicBytes else {
            throw RecordError(corrupt: record, "the public key does not match its private key")
        }
        self.init(keyPair: ECKeyPair(privateKey: privateKey))
    }

    /// The public identity only: the private key is redacted.
    public var description: String { "IdentityKeyPair(\(identityKey), private: redacted)" }
}
