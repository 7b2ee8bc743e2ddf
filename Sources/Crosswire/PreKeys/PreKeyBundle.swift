import CrosswireCrypto

/// What a device publishes so that others can start sessions with it. Building one checks the signed
/// prekey's signature (and the KEM prekey's), so a `PreKeyBundle` value is always authentic to its
/// identity key.
public struct PreKeyBundle: Sendable {
    /// The publishing device's registration id.
    public let registrationID: RegistrationID
    /// The device that published the bundle.
    public let deviceID: DeviceID
    /// The identity every prekey here is signed by; it must be trusted for sending to start a session.
    public let identityKey: IdentityKey
    /// Which signed prekey the responder must still hold.
    public let signedPreKeyID: SignedPreKeyID
    /// The signed prekey: the responder's first ratchet key and partner of DH1 and DH3.
    public let signedPreKey: ECPublicKey
    /// The identity key's signature over `signedPreKey`, verified when the bundle was built.
    public let signedPreKeySignature: [UInt8]
    /// The one-time prekey's id, present exactly when `preKey` is.
    public let preKeyID: PreKeyID?
    /// The one-time prekey (DH4); `nil` when the directory ran out, and the session starts without it.
    public let preKey: ECPublicKey?
    /// The ML-KEM-1024 prekey: present → PQXDH (v4), absent → X3DH (v3).
    public let kemPreKeyID: KEMPreKeyID?
    /// The ML-KEM-1024 public key, present exactly when its id and signature are.
    public let kemPreKey: MLKEMPublicKey?
    /// The identity key's signature over the serialized `kemPreKey`, verified when the bundle was built.
    public let kemPreKeySignature: [UInt8]?

    /// A bundle as a directory hands it out: every field as published, signatures checked here.
    public init(
        registrationID: RegistrationID, deviceID: DeviceID, identityKey: IdentityKey,
        signedPreKeyID: SignedPreKeyID, signedPreKey: ECPublicKey, signedPreKeySignature: [UInt8],
        preKeyID: PreKeyID? = nil, preKey: ECPublicKey? = nil,
        kemPreKeyID: KEMPreKeyID? = nil, kemPreKey: MLKEMPublicKey? = nil, kemPreKeySignature: [UInt8]? = nil
    ) throws(SessionError) {
        guard (preKeyID == nil) == (preKey == nil) else {
            throw SessionError(.invalidArgument, "a one-time prekey needs both its id and its key")
        }
        guard (kemPreKeyID == nil) == (kemPreKey == nil), (kemPreKey == nil) == (kemPreKeySignature == nil) else {
            throw SessionError(.invalidArgument, "a KEM prekey needs its id, key and signature together")
        }
        if let kemPreKeyID, let kemPreKey, let kemPreKeySignature,
           !identityKey.isValidSignature(kemPreKeySignature, for: kemPreKey.serialized) {
            throw SessionError(.invalidSignature, "KEM prekey \(kemPreKeyID) is not signed by the bundle's identity key",
                               preKey: .kem(kemPreKeyID))
        }
        guard identityKey.isValidSignature(signedPreKeySignature, for: signedPreKey.serialized) else {
            throw SessionError(.invalidSignature, "signed prekey \(signedPreKeyID) is not signed by the bundle's identity key",
                               preKey: .signed(signedPreKeyID))
        }
        self.registrationID = registrationID
        self.deviceID = deviceID
        self.identityKey = identityKey
        self.signedPreKeyID = signedPreKeyID
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
        self.preKeyID = preKeyID
        self.preKey = preKey
        self.kemPreKeyID = kemPreKeyID
        self.kemPreKey = kemPreKey
        self.kemPreKeySignature = kemPreKeySignature
    }

    /// The bundle a device publishes for its own keys: what it uploads, and what tests and tools hand to
    /// a peer. The signatures are checked like any other bundle's, so a prekey signed by another
    /// identity is refused here rather than by every peer.
    public init(
        publishing identity: IdentityKey, registrationID: RegistrationID, deviceID: DeviceID,
        signedPreKey: SignedPreKey, oneTimePreKey: OneTimePreKey? = nil, kemPreKey: KEMPreKey? = nil
    ) throws(SessionError) {
        try self.init(
            registrationID: registrationID, deviceID: deviceID, identityKey: identity,
            signedPreKeyID: signedPreKey.id, signedPreKey: signedPreKey.keyPair.publicKey,
            signedPreKeySignature: signedPreKey.signature,
            preKeyID: oneTimePreKey?.id, preKey: oneTimePreKey?.keyPair.publicKey,
            kemPreKeyID: kemPreKey?.id, kemPreKey: kemPreKey?.publicKey, kemPreKeySignature: kemPreKey?.signature)
    }

    /// Whether this bundle starts a PQXDH (v4) session.
    public var isPostQuantum: Bool { kemPreKey != nil }
}
