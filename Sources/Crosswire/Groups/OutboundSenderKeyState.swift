import CrosswireCrypto

/// Our own sender chain in a group, on the sending device only: what members hold plus the signing
/// private key, prepared once for repeated XEdDSA signing. Only outbound states encrypt.
public struct OutboundSenderKeyState: Sendable {
    /// The chain id (the legacy layout's key id).
    public let chainID: UInt32
    var chainKey: ChainKey
    let signingKeyPair: ECKeyPair
    /// Precomputed: one base-point multiplication per signature.
    let signer: XEdDSASigningKey

    init(chainID: UInt32, chainKey: ChainKey, signingKeyPair: ECKeyPair) {
        self.chainID = chainID
        self.chainKey = chainKey
        self.signingKeyPair = signingKeyPair
        self.signer = XEdDSASigningKey(signingKeyPair.privateKey)
    }

    /// A fresh chain: random chain id (31 bits, as libsignal), chain key and signing key.
    static func generate(using entropy: some EntropySource) -> OutboundSenderKeyState {
        let signing = ECKeyPair.generate(using: entropy)
        return OutboundSenderKeyState(
            chainID: entropy.uint32() >> 1, chainKey: ChainKey(SymmetricKey256(using: entropy), index: 0), signingKeyPair: signing)
    }

    /// The key members verify our messages with.
    public var signingPublicKey: ECPublicKey { signingKeyPair.publicKey }

    /// The iteration of the next message we send.
    public var iteration: UInt32 { chainKey.index }
}
