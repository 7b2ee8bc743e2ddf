import CrosswireCrypto
import CrosswireWire

/// A device's long-term public identity: a Curve25519 key, serialized as libsignal does (`0x05 ‖ u`).
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    /// The Curve25519 key: X3DH agreement and XEdDSA verification of the device's prekeys.
    public let publicKey: ECPublicKey
    /// `0x05 ‖ u`, the form every message's MAC covers. Built on access; the per-message path uses
    /// `publicKey.withSerializedBytes` instead, so a parsed record keeps no array per identity.
    public var serialized: [UInt8] { publicKey.serialized }

    /// The identity with this public key.
    public init(_ publicKey: ECPublicKey) {
        self.publicKey = publicKey
    }

    /// Parses the 33-byte `0x05 ‖ u` form; another length or type byte throws.
    public init(serialized: [UInt8]) throws(CryptoError) {
        publicKey = try ECPublicKey(serialized: serialized)
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
