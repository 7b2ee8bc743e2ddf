/// A failure in the crypto layer. Callers match on `code`; `reason` is for humans and never holds key
/// material. New codes can be added without breaking callers (the code is a struct, not an enum).
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as an open set of named values: match on these, not on `reason`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, as it appears in logs and test expectations.
        public let name: String
        /// A code with this name; two codes are equal when their names are.
        public init(_ name: String) { self.name = name }
        /// The name.
        public var description: String { name }

        /// A key, signature or ciphertext has the wrong number of bytes.
        public static let invalidLength = Code("invalidLength")
        /// A serialized key starts with a type byte other than the expected one.
        public static let invalidKeyType = Code("invalidKeyType")
        /// An X25519 agreement produced the all-zero secret (a low-order peer key).
        public static let nonContributoryKey = Code("nonContributoryKey")
        /// A Montgomery public key has no Edwards form usable for XEdDSA.
        public static let invalidPublicKey = Code("invalidPublicKey")
        /// AES-CBC input is empty or not a whole number of blocks.
        public static let invalidCiphertextLength = Code("invalidCiphertextLength")
        /// PKCS#7 padding did not check out after decryption.
        public static let invalidPadding = Code("invalidPadding")
        /// An HKDF output length outside 1...255·32.
        public static let invalidOutputLength = Code("invalidOutputLength")
        /// The ML-KEM key or ciphertext was rejected by the KEM.
        public static let invalidKEMInput = Code("invalidKEMInput")
        /// Text that should be hex (or another byte notation) is not.
        public static let invalidEncoding = Code("invalidEncoding")
        /// An AEAD tag did not verify: wrong key, wrong associated data, or altered bytes.
        public static let authenticationFailure = Code("authenticationFailure")
        /// The underlying library reported an internal failure.
        public static let libraryFailure = Code("libraryFailure")
    }

    /// The machine-readable kind of failure.
    public let code: Code
    /// A human explanation (lengths, offsets); never key material or message contents.
    public let reason: String

    /// An error with `code`, explained by `reason` (which must not contain secrets).
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `CryptoError.<code>: <reason>`.
    public var description: String { "CryptoError.\(code): \(reason)" }

    /// Compares codes only, so tests can match an expected error regardless of its wording.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
}
