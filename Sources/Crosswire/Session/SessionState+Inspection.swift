import CrosswireCrypto

/// The keys a vector file records about a state, for the vector generator only: `package` access, so
/// no app ever sees them, and read-only, so nothing outside the protocol can change a state.
package struct SendingKeysInspection: Sendable {
    /// The counter of the next message.
    package let counter: UInt32
    package let ratchetPrivateKey: SecretBytes
    /// The chain key before the step.
    package let chainKey: SecretBytes
    /// The AES key and IV of the next message.
    package let cipherKey: SecretBytes
    package let iv: SecretBytes
}

extension SessionState {
    /// What the next `encrypt` will use.
    package var nextSendingKeys: SendingKeysInspection {
        let chain = sendingChain.chainKey
        // A chain at 2^32 − 1 cannot encrypt either; vectors never get near it.
        let (seed, _) = try! chain.step()
        let keys = MessageKeys(seed: seed, counter: chain.index)
        return SendingKeysInspection(
            counter: chain.index, ratchetPrivateKey: sendingChain.ratchetKeyPair.privateKey.rawRepresentation,
            chainKey: chain.key.rawRepresentation, cipherKey: keys.cipherKey, iv: keys.iv)
    }

    package var rootKeyBytes: SecretBytes { rootKey.key.rawRepresentation }

    package var sendingRatchetPublicKey: ECPublicKey { sendingChain.ratchetKeyPair.publicKey }
}

/// The same for our own sender chain in a group.
package struct SenderKeysInspection: Sendable {
    package let iteration: UInt32
    package let chainKey: SecretBytes
    package let cipherKey: SecretBytes
    package let iv: SecretBytes
    package let signingPrivateKey: SecretBytes
}

extension SenderKeyRecord {
    /// What the next group `encrypt` will use, when this record is our own.
    package var nextSenderKeys: SenderKeysInspection? {
        guard let state = outbound, let (seed, _) = try? state.chainKey.step() else { return nil }
        let keys = SenderMessageKey(seed: seed, iteration: state.iteration)
        return SenderKeysInspection(
            iteration: state.iteration, chainKey: state.chainKey.key.rawRepresentation, cipherKey: keys.cipherKey,
            iv: keys.iv, signingPrivateKey: state.signingKeyPair.privateKey.rawRepresentation)
    }
}

extension MLKEMPublicKey {
    /// `0x0A ‖ ciphertext`, the form in a PreKeySignalMessage's field 8.
    package static func serializeCiphertext(_ raw: [UInt8]) -> [UInt8] { [MLKEMPublicKey.typeByte] + raw }
}
