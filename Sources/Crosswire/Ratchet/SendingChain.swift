import CrosswireCrypto

/// The sending side of the ratchet: our current ratchet key pair and chain.
struct SendingChain: Sendable {
    let ratchetKeyPair: ECKeyPair
    /// The serialized public key every message of this chain carries.
    let ratchetKey: [UInt8]
    var chainKey: ChainKey

    init(ratchetKeyPair: ECKeyPair, chainKey: ChainKey) {
        self.ratchetKeyPair = ratchetKeyPair
        ratchetKey = ratchetKeyPair.publicKey.serialized
        self.chainKey = chainKey
    }
}
