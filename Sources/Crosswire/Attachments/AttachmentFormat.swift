/// The two blob formats Crosswire reads and writes (SPEC §14.1). Both are AES-256-CBC then
/// HMAC-SHA256 over `IV ‖ ciphertext` with a SHA-256 of the blob carried in the message; they differ in
/// where the keys and IV come from, the MAC length and the plaintext padding.
public enum AttachmentFormat: Sendable, Hashable, CustomStringConvertible {
    /// Signal's: a random 64-byte key (AES ‖ MAC), a random IV at the head of the blob, the full 32-byte
    /// MAC, and the plaintext zero-padded to a size bucket.
    case signal
    /// WhatsApp's media format: a 32-byte media key expanded by HKDF with the media type's info string
    /// to IV, cipher and MAC keys; a 10-byte MAC; the plaintext's own SHA-256 in the message too.
    case whatsApp(WhatsAppMediaType)

    /// The key's length: 64 bytes for Signal, 32 for WhatsApp.
    public var keyCount: Int {
        switch self {
        case .signal: 64
        case .whatsApp: 32
        }
    }

    /// The MAC's length in the blob: 32 bytes for Signal, 10 for WhatsApp.
    public var macCount: Int {
        switch self {
        case .signal: 32
        case .whatsApp: 10
        }
    }

    /// Bytes of the blob before the ciphertext: Signal's IV (16), none for WhatsApp.
    public var headerCount: Int {
        switch self {
        case .signal: 16
        case .whatsApp: 0
        }
    }

    /// The blob length for `plaintextCount` bytes of plaintext, padding included.
    public func blobCount(forPlaintextCount plaintextCount: Int) -> Int {
        let padded = self == .signal ? AttachmentPadding.paddedCount(for: plaintextCount) : plaintextCount
        return headerCount + (padded / 16 + 1) * 16 + macCount
    }

    /// `signal`, or `whatsapp/TYPE`.
    public var description: String {
        switch self {
        case .signal: "signal"
        case .whatsApp(let type): "whatsapp/\(type)"
        }
    }
}
