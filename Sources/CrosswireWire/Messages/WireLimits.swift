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

func checkPublicKey(_ bytes: [UInt8], field: String) throws {
    try checkPublicKey(bytes[...], field: field)
}

func checkPublicKey(_ bytes: ArraySlice<UInt8>, field: String) throws {
    guard bytes.count == WireLimits.publicKeyBytes else {
        throw WireFormatError(.invalidFieldLength, "\(field) must be 33 bytes, got \(bytes.count)")
    }
    guard bytes[bytes.startIndex] == 0x05 else {
        throw WireFormatError(.invalidKeyType, "\(field) has key type 0x\(String(bytes[bytes.startIndex], radix: 16)), expected 0x05")
    }
}
