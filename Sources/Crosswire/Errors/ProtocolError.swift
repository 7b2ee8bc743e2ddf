/// A protocol-level failure (session setup, decryption, trust). Callers match on `code`; `reason` is for
/// people and never contains key material or plaintext. The code is a struct so new codes never break
/// callers.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The message MAC did not verify (tampered, or not for this session).
        public static let invalidMAC = Code("invalidMAC")
        /// The message was already decrypted (its key is gone).
        public static let duplicateMessage = Code("duplicateMessage")
        /// The counter jumps further ahead than `SessionLimits.maxForwardJump`.
        public static let tooFarInFuture = Code("tooFarInFuture")
        /// The peer's identity key differs from the one trusted for this address.
        public static let untrustedIdentity = Code("untrustedIdentity")
        /// A prekey bundle's signature does not verify.
        public static let invalidSignature = Code("invalidSignature")
        /// There is no session with this address.
        public static let noSession = Code("noSession")
        /// A PreKey message names a one-time prekey this device does not have (used or never issued).
        public static let unknownPreKey = Code("unknownPreKey")
        /// A PreKey message names a signed prekey this device does not have.
        public static let unknownSignedPreKey = Code("unknownSignedPreKey")
        /// The message's version does not match the session's.
        public static let versionMismatch = Code("versionMismatch")
        /// No stored session state could decrypt the message.
        public static let noMatchingSession = Code("noMatchingSession")
        /// Decryption succeeded at the MAC but the payload was malformed.
        public static let invalidCiphertext = Code("invalidCiphertext")
        /// A key in a message or bundle is not usable (wrong encoding, low order).
        public static let invalidKey = Code("invalidKey")
        /// A stored record could not be decoded.
        public static let corruptRecord = Code("corruptRecord")
        /// A value outside its allowed range (registration id, device id, counter overflow).
        public static let invalidArgument = Code("invalidArgument")
        /// No sender key is known for this sender, group or chain id.
        public static let noSenderKey = Code("noSenderKey")
        /// A Sender Key message or distribution in the other layout than the group's.
        public static let wrongLayout = Code("wrongLayout")
        /// Local policy requires PQXDH and the bundle or message offers only X3DH (downgrade refused).
        public static let postQuantumRequired = Code("postQuantumRequired")
        /// A v4 PreKey message names a KEM prekey this device does not have.
        public static let unknownKEMPreKey = Code("unknownKEMPreKey")
        /// A last-resort KEM prekey was used again with the same signed prekey and base key (a replay).
        public static let kemPreKeyReused = Code("kemPreKeyReused")
        /// A message could not be decoded.
        public static let invalidMessage = Code("invalidMessage")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "ProtocolError.\(code): \(reason)" }

    public static func == (a: ProtocolError, b: ProtocolError) -> Bool { a.code == b.code }
}
