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

    public init(serialized: [UInt8]) throws(CryptoError) {
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
