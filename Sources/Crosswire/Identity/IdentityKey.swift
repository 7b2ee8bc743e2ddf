import CrosswireCrypto
import CrosswireWire

/// A device's long-term public identity: a Curve25519 key, serialized as libsignal does (`0x05 ‖ u`).
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    /// The Curve25519 key: X3DH agreement and XEdDSA verification of the device's prekeys.
    public let publicKey: ECPublicKey
    /// `0x05 ‖ u`, kept because every message's MAC covers both identities in this form.
    public let serialized: [UInt8]

    /// The identity with this public key.
    public init(_ publicKey: ECPublicKey) {
        self.publicKey = publicKey
        serialized = publicKey.serialized
    }

    /// Parses the 33-byte `0x05 ‖ u` form; another length or type byte throws.
    public init(serialized: [UInt8]) throws(CryptoError) {
        publicKey = try ECPublicKey(serialized: serialized)
        self.serialized = serialized
    }

    /// Identities are equal when their public keys are: what trust decisions compare.
    public static func == (a: IdentityKey, b: IdentityKey) -> Bool { a.publicKey == b.publicKey }
    /// Hashes the public key, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKey) }

    /// Whether `signature` is this identity's XEdDSA signature over `message` (how bundles' prekeys are checked).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        publicKey.isValidSignature(signature, for: message)
    }

    /// The serialized key in hex: public, so safe to log.
    public var description: String { "IdentityKey(\(Hex.encode(serialized)))" }
}
