/// Why the cross-app client refused or could not finish an operation (SPEC §12.9). A refused message,
/// list or group state leaves every store as it was; `underlying` holds the layer's own error
/// (`SessionError`, `GroupError`, `DeviceListError`, `GroupStateError`, `EnvelopeError`, `DirectoryError`).
public struct ClientError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<ClientError>
    public typealias Family = ClientError

    /// What went wrong: match on this.
    public let code: Code
    /// What and where: addresses, ids, versions; never key material or plaintext.
    public let reason: String
    /// The lower layer's error.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == ClientError {
    /// The envelope is addressed to another device.
    public static let notForThisDevice = Self("notForThisDevice")
    /// The sending device is not on its account's verified list (nor a stale device still in retention).
    public static let unknownSenderDevice = Self("unknownSenderDevice")
    /// A bundle or a session's identity is not the one the verified device list names for that device.
    public static let untrustedIdentity = Self("untrustedIdentity")
    /// A sealed envelope this client cannot open: no pinned trust root.
    public static let sealedNotSupported = Self("sealedNotSupported")
    /// A sealed envelope refused: a layer's MAC, the certificate chain or expiry, the certificate's
    /// name, a self-send (\`underlying\`: \`SealedSenderError\`).
    public static let sealedSenderRefused = Self("sealedSenderRefused")
    /// The message did not decrypt or was a duplicate (`underlying`: `SessionError` or `GroupError`).
    public static let decryptionFailed = Self("decryptionFailed")
    /// The decrypted content is malformed (`underlying`: `EnvelopeError`).
    public static let invalidContent = Self("invalidContent")
    /// A device list was refused (`underlying`: `DeviceListError`).
    public static let deviceListRefused = Self("deviceListRefused")
    /// A group state was refused (`underlying`: `GroupStateError`).
    public static let groupStateRefused = Self("groupStateRefused")
    /// No such group on this device, or the sender is not a member of it.
    public static let unknownGroup = Self("unknownGroup")
    /// Only the primary device links and removes devices; only an admin changes a group.
    public static let notAllowed = Self("notAllowed")
    /// The directory failed or kept answering 409/410 (`underlying`: `DirectoryError`).
    public static let directoryFailure = Self("directoryFailure")
    /// The store failed (`underlying`: the store's error).
    public static let storeFailure = Self("storeFailure")
    /// A request this client cannot make: a device id outside 1…127, no free device id, an empty send.
    public static let invalidArgument = Self("invalidArgument")
}
