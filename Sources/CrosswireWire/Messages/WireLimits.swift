/// Size limits applied while decoding, before any cryptography (see SPEC.md §5.4).
public enum WireLimits {
    /// Largest serialized message accepted: 1 MiB comfortably holds any chat payload (attachments travel
    /// separately) and caps the work a hostile peer can ask for.
    public static let maxMessageBytes = 1 << 20
    /// Serialized Curve25519 public key: `0x05 ‖ u`.
    public static let publicKeyBytes = 33
    /// Truncated HMAC-SHA256 at the end of a SignalMessage.
    public static let macBytes = 8
    /// Serialized ML-KEM-1024 ciphertext: type `0x0A` ‖ 1568 bytes.
    public static let kemCiphertextBytes = 1569
    /// libsignal's ML-KEM-1024 key type byte.
    public static let kemTypeByte: UInt8 = 0x0A
}

/// The version byte: high nibble = message (session) version, low nibble = highest version the sender
/// supports. Parsers key on the high nibble, as current libsignal does.
public enum MessageVersion {
    /// X3DH sessions (Signal protocol v3, what WhatsApp and libsignal ≤ 0.74 speak).
    public static let v3: UInt8 = 3
    /// PQXDH sessions.
    public static let v4: UInt8 = 4
    /// The highest version Crosswire speaks.
    public static let current: UInt8 = 4

    /// `version << 4 | version`: `0x33` for v3 (the low nibble libsignal 0.2.3 checks), `0x44` for v4, as
    /// libsignal emits them.
    public static func byte(for version: UInt8) -> UInt8 { version << 4 | version }

    /// The message version in `byte`, refusing legacy (< 3) and unknown (> 4) versions.
    public static func parse(_ byte: UInt8) throws -> UInt8 {
        let version = byte >> 4
        if version < v3 {
            throw WireFormatError(.legacyVersion, "message version \(version) is older than 3")
        }
        if version > v4 {
            throw WireFormatError(.unknownVersion, "message version \(version) is newer than 4")
        }
        return version
    }
}

func checkPublicKey(_ bytes: [UInt8], field: String) throws {
    guard bytes.count == WireLimits.publicKeyBytes else {
        throw WireFormatError(.invalidFieldLength, "\(field) must be 33 bytes, got \(bytes.count)")
    }
    guard bytes[0] == 0x05 else {
        throw WireFormatError(.invalidKeyType, "\(field) has key type 0x\(String(bytes[0], radix: 16)), expected 0x05")
    }
}
