/// What encrypting an attachment produced besides the blob: everything the message must carry for the
/// recipient to fetch and check it (SPEC §14.2). Holds the key: treat as secret.
public struct EncryptedAttachment: Sendable, Equatable {
    /// The key the blob is encrypted under.
    public let key: AttachmentKey
    /// SHA-256 of the whole blob (Signal's digest, WhatsApp's fileEncSha256).
    public let digest: [UInt8]
    /// SHA-256 of the plaintext (WhatsApp's fileSha256); `nil` for Signal, whose blob digest covers it.
    public let plaintextDigest: [UInt8]?
    /// Plaintext bytes, before any padding.
    public let size: Int
    /// Plaintext bytes after Signal's bucket padding (equal to `size` for WhatsApp).
    public let paddedSize: Int
    /// Bytes of the blob.
    public let blobCount: Int

    /// What a recipient checks the blob against.
    public var reference: AttachmentReference {
        AttachmentReference(checkedKey: key, digest: digest, plaintextDigest: plaintextDigest, size: size)
    }
}
