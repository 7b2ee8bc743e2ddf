/// A failure in the crypto layer. Callers match on `code`; `reason` is for humans and never holds key
/// material. New codes can be added without breaking callers (the code is a struct, not an enum).
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
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
        /// The underlying library reported an internal failure.
        public static let libraryFailure = Code("libraryFailure")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "CryptoError.\(code): \(reason)" }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
}
