import CrosswireCrypto
import CrosswireWire

/// X3DH as libsignal v3 runs it (SPEC.md §5.2): the master secret is `0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4]`,
/// expanded by `HKDF(no salt, info "WhisperText", 64)` into the first root key and chain key. With a KEM
/// prekey it is PQXDH (SPEC.md §9): the ML-KEM-1024 shared secret is appended, the info string is
/// libsignal's PQXDH one and the session is version 4.
package enum X3DH {
    static let info = Array("WhisperText".utf8)
    static let pqInfo = Array("WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024".utf8)
    static let discontinuity = [UInt8](repeating: 0xFF, count: 32)

    /// ML-KEM encapsulation; replaced only by vector replay, which must reuse a recorded ciphertext
    /// because swift-crypto's encapsulation takes no injectable randomness.
    package typealias Encapsulator = @Sendable (MLKEMPublicKey) throws(CryptoError) -> (SecretBytes, [UInt8])
    package static let encapsulate: Encapsulator = { key throws(CryptoError) in try key.encapsulate() }

    /// Alice: a session from Bob's bundle. Bob's signed prekey is his first ratchet key; Alice receives on
    /// it and immediately performs one ratchet step to get her sending chain.
    static func initiate(
        identity: IdentityKeyPair, localRegistrationID: RegistrationID, bundle: PreKeyBundle,
        using entropy: some EntropySource, encapsulate: Encapsulator = X3DH.encapsulate
    ) throws(SessionError) -> SessionState {
        let baseKeyPair = ECKeyPair.generate(using: entropy)
        let sendingRatchet = ECKeyPair.generate(using: entropy)
        var secrets: [SecretBytes] = [
            try agree(identity.privateKey, bundle.signedPreKey),
            try agree(baseKeyPair.privateKey, bundle.identityKey.publicKey),
            try agree(baseKeyPair.privateKey, bundle.signedPreKey),
        ]
        if let preKey = bundle.preKey {
            secrets.append(try agree(baseKeyPair.privateKey, preKey))
        }
        var kem: (id: KEMPreKeyID, ciphertext: [UInt8])?
        if let kemPreKey = bundle.kemPreKey, let kemID = bundle.kemPreKeyID {
            let (secret, ciphertext): (SecretBytes, [UInt8])
            do {
                (secret, ciphertext) = try encapsulate(kemPreKey)
            } catch {
                throw SessionError(.invalidKey, "KEM prekey \(kemID) does not encapsulate: \(error.reason)", underlying: error)
            }
            secrets.append(secret)
            kem = (kemID, MLKEMPublicKey.serializeCiphertext(ciphertext))
        }
        let (root, chain) = derive(secrets, postQuantum: kem != nil)
        let receiving = ReceivingChain(ratchetKey: bundle.signedPreKey, chainKey: chain)
        let (sendingRoot, sendingChain) = try root.createChain(
            theirRatchetKey: bundle.signedPreKey, ourRatchetKey: sendingRatchet.privateKey)
        return SessionState(
            version: kem == nil ? MessageVersion.v3 : MessageVersion.v4,
            localIdentity: identity.identityKey, remoteIdentity: bundle.identityKey,
            rootKey: sendingRoot, previousCounter: 0,
            sendingChain: SendingChain(ratchetKeyPair: sendingRatchet, chainKey: sendingChain),
            receivingChains: [receiving],
            pendingPreKey: PendingPreKey(preKeyID: bundle.preKeyID, signedPreKeyID: bundle.signedPreKeyID, baseKey: baseKeyPair.publicKey,
                                         kemPreKeyID: kem?.id, kemCiphertext: kem?.ciphertext),
            localRegistrationID: localRegistrationID, remoteRegistrationID: bundle.registrationID,
            aliceBaseKey: baseKeyPair.publicKey)
    }

    /// Bob: the session for Alice's PreKeySignalMessage. His sending ratchet key is the signed prekey.
    /// `kemSharedSecret` (decapsulated by the caller) makes it PQXDH.
    static func respond(
        identity: IdentityKeyPair, localRegistrationID: RegistrationID, signedPreKey: ECKeyPair, oneTimePreKey: ECKeyPair?,
        theirIdentity: IdentityKey, theirBaseKey: ECPublicKey, theirRegistrationID: RegistrationID, kemSharedSecret: SecretBytes? = nil
    ) throws(SessionError) -> SessionState {
        var secrets: [SecretBytes] = [
            try agree(signedPreKey.privateKey, theirIdentity.publicKey),
            try agree(identity.privateKey, theirBaseKey),
            try agree(signedPreKey.privateKey, theirBaseKey),
        ]
        if let oneTimePreKey {
            secrets.append(try agree(oneTimePreKey.privateKey, theirBaseKey))
        }
        if let kemSharedSecret { secrets.append(kemSharedSecret) }
        let (root, chain) = derive(secrets, postQuantum: kemSharedSecret != nil)
        return SessionState(
            version: kemSharedSecret == nil ? MessageVersion.v3 : MessageVersion.v4, localIdentity: identity.identityKey, remoteIdentity: theirIdentity,
            rootKey: root, previousCounter: 0,
            sendingChain: SendingChain(ratchetKeyPair: signedPreKey, chainKey: chain),
            receivingChains: [], pendingPreKey: nil,
            localRegistrationID: localRegistrationID, remoteRegistrationID: theirRegistrationID,
            aliceBaseKey: theirBaseKey)
    }

    private static func agree(_ ours: ECPrivateKey, _ theirs: ECPublicKey) throws(SessionError) -> SecretBytes {
        do {
            return try ours.sharedSecret(with: theirs)
        } catch {
            throw SessionError(.invalidKey, "X3DH agreement failed: \(error.reason)", underlying: error)
        }
    }

    /// libsignal's v4 derives 96 bytes (the last 32 seed its SPQR ratchet, which Crosswire's v4 does not
    /// run); HKDF's prefix property makes the first 64 identical, so 64 are derived here.
    private static func derive(_ secrets: [SecretBytes], postQuantum: Bool) -> (RootKey, ChainKey) {
        let master = SecretBytes(count: 32 * (secrets.count + 1)) { out in
            out.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0xFF, count: 32)
            for (i, secret) in secrets.enumerated() {
                secret.withUnsafeBytes { (out.baseAddress! + 32 * (i + 1)).copyMemory(from: $0.baseAddress!, byteCount: 32) }
            }
        }
        let derived = HKDF.derive(master, info: postQuantum ? pqInfo : info, count: 64)
        return (RootKey(SymmetricKey256(exactly: derived.slice(0..<32))), ChainKey(SymmetricKey256(exactly: derived.slice(32..<64)), index: 0))
    }
}
