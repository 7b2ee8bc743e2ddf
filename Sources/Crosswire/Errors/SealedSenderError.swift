/// Why a sealed-sender message or certificate was refused (SPEC §13). Raised before the inner message
/// reaches the session store, so nothing changes.
public struct SealedSenderError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<SealedSenderError>
    public typealias Family = SealedSenderError

    /// Which check failed: match on this.
    public let code: Code
    /// What and where: ids, times, lengths; never key material or plaintext.
    public let reason: String
    /// The codec, crypto or session error, when one caused this.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == SealedSenderError {
    /// Not a sealed-sender message or certificate of the SPEC's shape.
    public static let invalidMessage = Self("invalidMessage")
    /// A version this build does not read.
    public static let unsupportedVersion = Self("unsupportedVersion")
    /// A layer's MAC does not verify: tampered, or not for this recipient.
    public static let invalidMAC = Self("invalidMAC")
    /// The decrypted sender identity is not the certificate's identity key.
    public static let identityMismatch = Self("identityMismatch")
    /// The certificate chain does not verify: server certificate not signed by the trust root or
    /// revoked, or sender certificate not signed by the server key.
    public static let invalidCertificate = Self("invalidCertificate")
    /// The sender certificate expired before the message was validated.
    public static let expiredCertificate = Self("expiredCertificate")
    /// A sender certificate names a server certificate id this build does not know.
    public static let unknownServerCertificate = Self("unknownServerCertificate")
    /// The message claims to come from this very device.
    public static let selfSend = Self("selfSend")
    /// The inner message did not decrypt (`underlying`: `SessionError`).
    public static let innerMessageFailed = Self("innerMessageFailed")
}
