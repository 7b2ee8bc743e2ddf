import CrosswireCrypto

/// The sending side of the ratchet: our current ratchet key pair and chain.
struct SendingChain: Sendable {
    let ratchetKeyPair: ECKeyPair
    var chainKey: ChainKey

    init(ratchetKeyPair: ECKeyPair, chainKey: ChainKey) {
        self.ratchetKeyPair = ratchetKeyPair
        self.chainKey = chainKey
    }
}
