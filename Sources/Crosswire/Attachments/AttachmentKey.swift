@_spi(Hazmat) import CrosswireCrypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The secret an attachment pointer carries: 64 random bytes (AES-256 key ‖ HMAC-SHA256 key) for a
/// Signal blob, a 32-byte media key for a WhatsApp one. Held in `SecretBytes`: wiped on release,
/// redacted when printed, compared in constant time.
public struct AttachmentKey: Sendable, Equatable, CustomStringConvertible {
    /// The format the key is for; a WhatsApp key is also bound to its media type.
    public let format: AttachmentFormat
    /// The key bytes, as the pointer carries them.
    public let rawRepresentation: SecretBytes

    /// A fresh random key for `format`.
    public init(for format: AttachmentFormat, using entropy: some EntropySource = SystemEntropy()) {
        self.format = format
        rawRepresentation = SecretBytes(randomCount: format.keyCount, using: entropy)
    }

    /// A key received in a pointer or read from a key file; `invalidKey` when its length is not the
    /// format's.
    public init(rawRepresentation: SecretBytes, format: AttachmentFormat) throws(AttachmentError) {
        guard rawRepresentation.count == format.keyCount else {
            throw AttachmentError(.invalidKey, "a \(format) attachment key is \(format.keyCount) bytes, got \(rawRepresentation.count)")
        }
        self.format = format
        self.rawRepresentation = rawRepresentation
    }

    /// The same from plain bytes (copied into a wiping container).
    public init<Bytes: ContiguousBytes>(rawRepresentation bytes: Bytes, format: AttachmentFormat) throws(AttachmentError) {
        try self.init(rawRepresentation: SecretBytes(bytes), format: format)
    }

    /// Redacted.
    public var description: String { "AttachmentKey(\(format), redacted)" }

    /// The cipher key, MAC key and (WhatsApp) IV, laid out `cipher 32 ‖ mac 32 ‖ iv 16`: for Signal the
    /// key's own two halves, for WhatsApp HKDF-SHA256(salt none, media key, info) → 112 bytes split as
    /// IV [0,16) ‖ cipher [16,48) ‖ mac [48,80) ‖ ref [80,112) (ref unused).
    func schedule() -> SecretBytes {
        switch format {
        case .signal:
            return rawRepresentation
        case .whatsApp(let type):
            let expanded = HKDF.derive(rawRepresentation, info: Array(type.info.utf8), count: 112)
            return SecretBytes(count: 80) { out in
                expanded.withUnsafeBytes { bytes in
                    out.baseAddress!.copyMemory(from: bytes.baseAddress! + 16, byteCount: 64)
                    (out.baseAddress! + 64).copyMemory(from: bytes.baseAddress!, byteCount: 16)
                }
            }
        }
    }

    /// The HKDF expansion of a WhatsApp media key, all 112 bytes (for vectors and checks); `nil` for
    /// a Signal key.
    @_spi(Hazmat)
    public var expandedMediaKey: SecretBytes? {
        guard case .whatsApp(let type) = format else { return nil }
        return HKDF.derive(rawRepresentation, info: Array(type.info.utf8), count: 112)
    }
}
