/// Why an attachment was refused or could not be processed (SPEC §14). Decryption raises it before any
/// plaintext is released: a refused file never appears at its destination.
public struct AttachmentError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<AttachmentError>
    public typealias Family = AttachmentError

    /// Which check failed: match on this.
    public let code: Code
    /// What and where: lengths, sizes and paths; never key material or plaintext.
    public let reason: String
    /// The crypto or file error, when one caused this.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == AttachmentError {
    /// A key of the wrong length for its format (Signal 64 bytes, WhatsApp 32), or a digest not 32 bytes.
    public static let invalidKey = Self("invalidKey")
    /// The blob is shorter than its format's minimum or its ciphertext is not whole AES blocks.
    public static let truncated = Self("truncated")
    /// The SHA-256 of the blob is not the digest the message carried: changed, truncated or the wrong blob.
    public static let digestMismatch = Self("digestMismatch")
    /// The blob's MAC does not verify under the key: the wrong key, or a blob forged to match its digest.
    public static let authenticationFailed = Self("authenticationFailed")
    /// The MAC verified but the CBC padding is malformed: the sender's encoder is broken.
    public static let invalidPadding = Self("invalidPadding")
    /// The plaintext is not the size the message carried (for Signal: shorter, or non-zero bytes where
    /// only padding may follow).
    public static let sizeMismatch = Self("sizeMismatch")
    /// The SHA-256 of the plaintext is not the message's (WhatsApp's fileSha256).
    public static let plaintextDigestMismatch = Self("plaintextDigestMismatch")
    /// Reading, writing or renaming a file failed, or a stream's source or sink threw.
    public static let ioFailure = Self("ioFailure")
    /// An attachment pointer is not of the SPEC's shape.
    public static let invalidPointer = Self("invalidPointer")
}
