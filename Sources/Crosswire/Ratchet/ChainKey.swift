import CrosswireCrypto

/// A symmetric chain (sending or receiving): `HMAC(ck, 0x01)` seeds the message keys at `index`,
/// `HMAC(ck, 0x02)` is the chain key at `index + 1`. Both MACs share one keyed HMAC state.
struct ChainKey: Sendable {
    static let messageKeySeedByte: UInt8 = 0x01
    static let nextChainKeyByte: UInt8 = 0x02

    let key: SecretBytes
    let index: UInt32

    init(_ key: SecretBytes, index: UInt32) {
        precondition(key.count == 32)
        self.key = key
        self.index = index
    }

    /// The message-key seed for `index` and the chain key for `index + 1`.
    func step() throws -> (seed: SecretBytes, next: ChainKey) {
        guard index < UInt32.max else {
            throw ProtocolError(.invalidArgument, "chain index would overflow 32 bits")
        }
        let hmac = HMACKey(key)
        return (hmac.secretAuthenticationCode(forByte: Self.messageKeySeedByte),
                ChainKey(hmac.secretAuthenticationCode(forByte: Self.nextChainKeyByte), index: index + 1))
    }
}
