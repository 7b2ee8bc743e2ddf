import CrosswireCrypto
import CrosswireWire

/// A device's long-term public identity: a Curve25519 key, serialized as libsignal does (`0x05 ‖ u`).
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    public let publicKey: ECPublicKey
    /// `0x05 ‖ u`, kept because every message's MAC covers both identities in this form.
    public let serialized: [UInt8]

    public init(_ publicKey: ECPublicKey) {
        self.publicKey = publicKey
        serialized = publicKey.serialized
    }

    public init(serialized: [UInt8]) throws {
        publicKey = try ECPublicKey(serialized: serialized)
        self.serialized = serialized
    }

    public static func == (a: IdentityKey, b: IdentityKey) -> Bool { a.publicKey == b.publicKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKey) }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        publicKey.isValidSignature(signature, for: message)
    }

    public var description: String { "IdentityKey(\(Hex.encode(serialized)))" }
}

/// The private half of a device identity. Serialized like libsignal's `IdentityKeyPairStructure`
/// (`1: public 33 B`, `2: private 32 B`).
public struct IdentityKeyPair: Sendable, CustomStringConvertible {
    public let identityKey: IdentityKey
    public let privateKey: ECPrivateKey

    public init(keyPair: ECKeyPair) {
        identityKey = IdentityKey(keyPair.publicKey)
        privateKey = keyPair.privateKey
    }

    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> IdentityKeyPair {
        IdentityKeyPair(keyPair: .generate(using: entropy))
    }

    public func signature(for message: [UInt8], using entropy: some EntropySource = SystemEntropy()) -> [UInt8] {
        privateKey.signature(for: message, using: entropy)
    }

    /// Secret: the private key is in the output.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 72)
        writer.appendBytes(field: 1, identityKey.serialized)
        writer.appendBytes(field: 2, privateKey.rawRepresentation.unprotectedBytes)
        return writer.bytes
    }

    public init(serialized: [UInt8]) throws {
        var reader = ProtobufReader(serialized)
        var publicBytes: [UInt8]?, privateBytes: [UInt8]?
        while let field = try reader.next() {
            switch field.number {
            case 1: publicBytes = try field.value.bytes(field: 1, count: 33)
            case 2: privateBytes = try field.value.bytes(field: 2, count: 32)
            default: continue
            }
        }
        guard let publicBytes, let privateBytes else {
            throw ProtocolError(.corruptRecord, "identity key pair lacks a key")
        }
        let privateKey = try ECPrivateKey(rawRepresentation: privateBytes)
        guard privateKey.publicKey.serialized == publicBytes else {
            throw ProtocolError(.corruptRecord, "identity public key does not match its private key")
        }
        self.init(keyPair: ECKeyPair(privateKey: privateKey))
    }

    public var description: String { "IdentityKeyPair(\(identityKey), private: redacted)" }
}
