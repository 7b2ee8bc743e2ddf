@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// Sealed sender v1 (SPEC §13.2): `0x11 ‖ {1 ephemeral_public, 2 encrypted_static, 3 encrypted_message}`.
/// An ephemeral key agreed with the recipient's identity encrypts the sender's identity key; the
/// sender's and recipient's identities, salted with that layer, encrypt the content. Each layer is
/// AES-256-CTR from a zero IV with a 10-byte HMAC-SHA256 tag, compared in constant time.
public enum SealedSenderV1 {
    /// The version byte written: message version 1, requiring 1.
    public static let version: UInt8 = 0x11
    static let ephemeralLabel = Array("UnidentifiedDelivery".utf8)
    static let macCount = 10

    /// Seals `content` from `sender` (whose identity the certificate in `content` names) to `recipient`.
    public static func seal(_ content: UnidentifiedSenderMessageContent, from sender: IdentityKeyPair, to recipient: IdentityKey,
                            using entropy: some EntropySource = SystemEntropy()) throws(SealedSenderError) -> [UInt8] {
        let ephemeral = ECKeyPair.generate(using: entropy)
        let (chainKey, cipherKey, macKey) = try ephemeralKeys(
            agreement: wrap { try ephemeral.privateKey.sharedSecret(with: recipient.publicKey) },
            recipient: recipient, ephemeral: ephemeral.publicKey)
        let encryptedStatic = try encrypt(sender.identityKey.serialized, cipherKey, macKey)
        let (staticCipher, staticMAC) = try staticKeys(
            agreement: wrap { try sender.privateKey.sharedSecret(with: recipient.publicKey) }, chainKey: chainKey, encryptedStatic: encryptedStatic)
        var plaintext = content.serialized
        defer { SecretBytes.wipe(&plaintext) }
        let encryptedMessage = try encrypt(plaintext, staticCipher, staticMAC)
        var writer = ProtobufWriter(prefix: [version], reservingCapacity: 64 + encryptedStatic.count + encryptedMessage.count)
        writer.appendBytes(field: 1, ephemeral.publicKey.serialized)
        writer.appendBytes(field: 2, encryptedStatic)
        writer.appendBytes(field: 3, encryptedMessage)
        return writer.bytes
    }

    /// Opens a v1 message sent to `recipient`: both MACs, then the sender's decrypted identity must
    /// equal its certificate's key. The certificate chain is the caller's to validate.
    public static func open(_ bytes: [UInt8], recipient: IdentityKeyPair) throws(SealedSenderError) -> UnidentifiedSenderMessageContent {
        guard let first = bytes.first else { throw SealedSenderError(.invalidMessage, "an empty sealed message") }
        guard first >> 4 <= 1 else { throw SealedSenderError(.unsupportedVersion, "sealed sender version \(first >> 4); v1 is read here") }
        let (ephemeralBytes, encryptedStatic, encryptedMessage) = try SealedSenderError.decode("UnidentifiedSenderMessage") {
            () throws -> ([UInt8], [UInt8], [UInt8]) in
            var reader = ProtobufReader(bytes[1...])
            var e: [UInt8]?, s: [UInt8]?, m: [UInt8]?
            while let field = try reader.next() {
                switch field.number {
                case 1: e = try field.value.bytes(field: 1)
                case 2: s = try field.value.bytes(field: 2)
                case 3: m = try field.value.bytes(field: 3)
                default: continue
                }
            }
            guard let e, let s, let m else { throw WireFormatError(.missingField, "a sealed message has ephemeral key, static and message") }
            return (e, s, m)
        }
        let ephemeral: ECPublicKey
        do { ephemeral = try ECPublicKey(serialized: ephemeralBytes) } catch {
            throw SealedSenderError(.invalidMessage, "the ephemeral key: \(error)", underlying: error)
        }
        let (chainKey, cipherKey, macKey) = try ephemeralKeys(
            agreement: wrap { try recipient.privateKey.sharedSecret(with: ephemeral) }, recipient: recipient.identityKey, ephemeral: ephemeral)
        let staticBytes = try decrypt(encryptedStatic, cipherKey, macKey, layer: "static")
        let senderIdentity: IdentityKey
        do { senderIdentity = try IdentityKey(serialized: staticBytes) } catch {
            throw SealedSenderError(.invalidMessage, "the sender's static key: \(error)", underlying: error)
        }
        let (staticCipher, staticMAC) = try staticKeys(
            agreement: wrap { try recipient.privateKey.sharedSecret(with: senderIdentity.publicKey) }, chainKey: chainKey, encryptedStatic: encryptedStatic)
        var plaintext = try decrypt(encryptedMessage, staticCipher, staticMAC, layer: "message")
        defer { SecretBytes.wipe(&plaintext) }
        let content = try UnidentifiedSenderMessageContent(serialized: plaintext)
        guard ConstantTime.equals(content.senderCertificate.identityKey.serialized, senderIdentity.serialized) else {
            throw SealedSenderError(.identityMismatch, "the sealed sender's identity is not its certificate's key")
        }
        return content
    }

    // MARK: Layers

    static func ephemeralKeys(agreement: SecretBytes, recipient: IdentityKey, ephemeral: ECPublicKey) throws(SealedSenderError)
        -> (SecretBytes, SecretBytes, SecretBytes) {
        let keys = try wrap {
            try HKDF.deriveKey(inputKeyMaterial: agreement, salt: ephemeralLabel + recipient.serialized + ephemeral.serialized,
                               info: [UInt8](), outputByteCount: 96)
        }
        return (keys.slice(0..<32), keys.slice(32..<64), keys.slice(64..<96))
    }

    static func staticKeys(agreement: SecretBytes, chainKey: SecretBytes, encryptedStatic: [UInt8]) throws(SealedSenderError) -> (SecretBytes, SecretBytes) {
        let salt = chainKey.withUnsafeBytes { Array($0) } + encryptedStatic
        let keys = try wrap { try HKDF.deriveKey(inputKeyMaterial: agreement, salt: salt, info: [UInt8](), outputByteCount: 96) }
        return (keys.slice(32..<64), keys.slice(64..<96))
    }

    static func encrypt(_ plaintext: [UInt8], _ cipherKey: SecretBytes, _ macKey: SecretBytes) throws(SealedSenderError) -> [UInt8] {
        let ciphertext = try wrap { try AES256CTR.apply(plaintext, key: cipherKey) }
        return ciphertext + HMACKey(macKey).authenticationCode(for: ciphertext).prefix(macCount)
    }

    static func decrypt(_ bytes: [UInt8], _ cipherKey: SecretBytes, _ macKey: SecretBytes, layer: String) throws(SealedSenderError) -> [UInt8] {
        guard bytes.count >= macCount else { throw SealedSenderError(.invalidMessage, "the \(layer) layer is shorter than its MAC") }
        let ciphertext = bytes[..<(bytes.count - macCount)], tag = bytes[(bytes.count - macCount)...]
        let expected = HMACKey(macKey).authenticationCode(for: ciphertext).prefix(macCount)
        guard ConstantTime.equals(Array(expected), Array(tag)) else {
            throw SealedSenderError(.invalidMAC, "the \(layer) layer's MAC does not verify")
        }
        return try wrap { try AES256CTR.apply(ciphertext, key: cipherKey) }
    }

    static func wrap<T>(_ body: () throws -> T) throws(SealedSenderError) -> T {
        do { return try body() } catch {
            throw SealedSenderError(.invalidMessage, "\(error)", underlying: error)
        }
    }
}
