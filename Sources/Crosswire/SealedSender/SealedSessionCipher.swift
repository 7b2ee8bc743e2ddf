import CrosswireCrypto
import CrosswireWire

/// Sealed sender v1 over 1:1 sessions (SPEC §13.3), as libsignal's `sealed_sender_encrypt` and
/// `sealed_sender_decrypt`: the relay learns the recipient, not the sender. Decryption checks in
/// libsignal's order — both layers' MACs, the static key against the certificate, the certificate chain
/// and expiry, no self-send — before the inner message reaches the session store, whose transaction
/// is the only write.
public struct SealedSessionCipher<Store: SignalProtocolStore>: Sendable {
    /// The device's state.
    public let store: Store
    let policy: SessionPolicy
    let entropy: any EntropySource

    /// A cipher on `store`.
    public init(store: Store, policy: SessionPolicy = SessionPolicy(), entropy: any EntropySource = SystemEntropy()) {
        self.store = store
        self.policy = policy
        self.entropy = entropy
    }

    /// Encrypts `plaintext` on the session with `address` and seals it under `certificate` (ours).
    public func encrypt(_ plaintext: [UInt8], to address: ProtocolAddress, certificate: SenderCertificate,
                        contentHint: UInt32? = nil, groupID: [UInt8]? = nil) async throws(SealedSenderError) -> [UInt8] {
        let message: CiphertextMessage
        do {
            message = try await SessionCipher(store: store, address: address, policy: policy, entropy: entropy).encrypt(plaintext)
        } catch {
            throw SealedSenderError(.innerMessageFailed, "encrypting for \(address): \(error.code): \(error.reason)", underlying: error)
        }
        let (identity, recipient) = try await keys(for: address)
        guard let recipient else { throw SealedSenderError(.innerMessageFailed, "no identity stored for \(address)") }
        let content = UnidentifiedSenderMessageContent(type: .init(message.kind), senderCertificate: certificate, content: message.serialized,
                                                       contentHint: contentHint, groupID: groupID)
        return try SealedSenderV1.seal(content, from: identity, to: recipient, using: entropy)
    }

    /// Opens, validates and decrypts a sealed message for this device (`localUUID`/`localE164`,
    /// `localDevice`) at `timestamp` (ms since 1970) under `trustRoot`.
    public func decrypt(_ bytes: [UInt8], trustRoot: ECPublicKey, timestamp: UInt64, localUUID: String, localE164: String? = nil,
                        localDevice: DeviceID) async throws(SealedSenderError) -> SealedMessage {
        let content = try await open(bytes, trustRoot: trustRoot, timestamp: timestamp, localUUID: localUUID, localE164: localE164,
                                     localDevice: localDevice)
        let certificate = content.senderCertificate
        guard let kind = content.type.messageKind, kind != .senderKey else {
            throw SealedSenderError(.innerMessageFailed, "sealed \(content.type) content goes to the group cipher or the app")
        }
        let plaintext: [UInt8]
        do {
            plaintext = try await SessionCipher(store: store, address: certificate.senderAddress, policy: policy, entropy: entropy)
                .decrypt(content.content, kind: kind)
        } catch {
            throw SealedSenderError(.innerMessageFailed, "from \(certificate.senderAddress): \(error.code): \(error.reason)", underlying: error)
        }
        return SealedMessage(senderUUID: certificate.senderUUID, senderE164: certificate.senderE164, senderDevice: certificate.senderDevice,
                             plaintext: plaintext)
    }

    /// The checks of `decrypt` without the inner decryption: the content, for a caller that routes it
    /// (a group message, the cross-app client's own transaction).
    public func open(_ bytes: [UInt8], trustRoot: ECPublicKey, timestamp: UInt64, localUUID: String, localE164: String? = nil,
                     localDevice: DeviceID) async throws(SealedSenderError) -> UnidentifiedSenderMessageContent {
        let (identity, _) = try await keys(for: nil)
        let content = try SealedSenderV1.open(bytes, recipient: identity)
        let certificate = content.senderCertificate
        try certificate.validate(trustRoot: trustRoot, at: timestamp)
        let sameName = certificate.senderUUID == localUUID || (localE164 != nil && certificate.senderE164 == localE164)
        guard !(sameName && certificate.senderDevice == localDevice) else {
            throw SealedSenderError(.selfSend, "a sealed message from this very device")
        }
        return content
    }

    private func keys(for address: ProtocolAddress?) async throws(SealedSenderError) -> (IdentityKeyPair, IdentityKey?) {
        do {
            return try await store.transaction(address.map { .session($0) } ?? .device) { t in
                (try t.identityKeyPair(), try address.flatMap { try t.identity(for: $0) })
            }
        } catch {
            throw SealedSenderError(.innerMessageFailed, "the store failed: \(error)", underlying: error)
        }
    }
}
