/// What a recipient knows about a blob before fetching it: the key, the blob's digest and, when the
/// message said, the plaintext's digest and size. Decryption releases plaintext only when all of them
/// agree with the blob (SPEC §14.2).
public struct AttachmentReference: Sendable, Equatable {
    /// The key.
    public let key: AttachmentKey
    /// SHA-256 of the blob, 32 bytes.
    public let digest: [UInt8]
    /// SHA-256 of the plaintext, 32 bytes, when the format carries it (WhatsApp's fileSha256).
    public let plaintextDigest: [UInt8]?
    /// The plaintext size; without it a Signal plaintext keeps its zero padding.
    public let size: Int?

    /// A reference; `invalidKey` when a digest is not 32 bytes or the size is negative.
    public init(key: AttachmentKey, digest: [UInt8], plaintextDigest: [UInt8]? = nil, size: Int? = nil) throws(AttachmentError) {
        guard digest.count == 32, plaintextDigest.map({ $0.count == 32 }) ?? true else {
            throw AttachmentError(.invalidKey, "attachment digests are 32 bytes (SHA-256)")
        }
        guard (size ?? 0) >= 0 else { throw AttachmentError(.sizeMismatch, "a size cannot be negative") }
        self.init(checkedKey: key, digest: digest, plaintextDigest: plaintextDigest, size: size)
    }

    init(checkedKey key: AttachmentKey, digest: [UInt8], plaintextDigest: [UInt8]?, size: Int?) {
        self.key = key
        self.digest = digest
        self.plaintextDigest = plaintextDigest
        self.size = size
    }
}
