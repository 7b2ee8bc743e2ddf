@_spi(Hazmat) import CrosswireCrypto

/// A symmetric hash chain, the one machinery behind 1:1 sending and receiving chains and Sender Key
/// chains: `HMAC(ck, 0x01)` seeds the message keys at `index`, `HMAC(ck, 0x02)` is the chain key at
/// `index + 1`. Both MACs share one keyed HMAC state.
struct ChainKey: Sendable {
    static let messageKeySeedByte: UInt8 = 0x01
    static let nextChainKeyByte: UInt8 = 0x02

    private(set) var key: SymmetricKey256
    /// The counter (1:1) or iteration (groups) of the next message key.
    private(set) var index: UInt32

    init(_ key: SymmetricKey256, index: UInt32) {
        self.key = key
        self.index = index
    }

    /// The message-key seed for `index` and the chain key for `index + 1`, as new secrets.
    func step() throws(ChainError) -> (seed: SymmetricKey256, next: ChainKey) {
        guard index < UInt32.max else { throw .exhausted }
        var next: SecretBytes?
        let seed = SecretBytes(count: 32) { seedBytes in
            next = SecretBytes(count: 32) { nextBytes in key.withUnsafeBytes { Self.step(key: $0, seed: seedBytes, next: nextBytes) } }
        }
        return (SymmetricKey256(exactly: seed), ChainKey(SymmetricKey256(exactly: next!), index: index + 1))
    }

    /// One step on raw bytes, the keyed HMAC state on the stack: the seed into `seed` and the next
    /// chain key into `next` (32 bytes each, e.g. in a `SecretScratch`). The caller checks `index`.
    @inline(__always)
    static func step(key: UnsafeRawBufferPointer, seed: UnsafeMutableRawBufferPointer, next: UnsafeMutableRawBufferPointer) {
        HMACState.withKey(key) { state in
            withUnsafeBytes(of: messageKeySeedByte) { state.mac($0, into: seed) }
            withUnsafeBytes(of: nextChainKeyByte) { state.mac($0, into: next) }
        }
    }

    /// Moves to `index + 1` with `next` (from `step(key:seed:next:)`) as the key, rewriting the key's
    /// buffer in place when no copy of the chain shares it: the steady state allocates nothing.
    mutating func moveForward(to next: UnsafeRawBufferPointer) {
        precondition(index < UInt32.max && next.count == 32)
        key.overwrite { $0.copyMemory(from: next) }
        index += 1
    }

    /// Derives forward to `target` (≥ `index`): the seed at `target`, the chain key after it, and the
    /// seeds in between, of which only the newest `limits.maxSkippedKeys` are kept. The jump is checked
    /// against `maxJump` (default: the limits') and its steps charged to `budget` before any derivation.
    func advance(to target: UInt32, limits: ChainLimits, maxJump: UInt32? = nil, budget: inout DecryptionBudget) throws(ChainError) -> ChainAdvance {
        precondition(target >= index)
        let jump = target - index
        let limit = min(maxJump ?? limits.maxForwardJump, limits.maxForwardJump)
        guard jump <= limit else { throw .tooFarAhead(jump: jump, limit: limit) }
        guard budget.spendChainSteps(jump + 1) else { throw .overBudget(steps: jump + 1, remaining: budget.remainingChainSteps) }
        return try derive(to: target, limits: limits)
    }

    /// `advance` for a chain whose messages are authenticated before it runs (Sender Keys): only the
    /// jump limit applies.
    func advance(to target: UInt32, limits: ChainLimits) throws(ChainError) -> ChainAdvance {
        var budget = DecryptionBudget(maxChainSteps: limits.maxForwardJump + 1, maxAgreements: 0)
        return try advance(to: target, limits: limits, budget: &budget)
    }

    private func derive(to target: UInt32, limits: ChainLimits) throws(ChainError) -> ChainAdvance {
        var current = self
        var skipped: [(UInt32, SymmetricKey256)] = []
        let keepFrom = target > UInt32(limits.maxSkippedKeys) ? target - UInt32(limits.maxSkippedKeys) : 0
        while current.index < target {
            let (seed, next) = try current.step()
            if current.index >= keepFrom { skipped.append((current.index, seed)) }
            current = next
        }
        let (seed, next) = try current.step()
        return ChainAdvance(seed: seed, next: next, skipped: skipped)
    }
}

/// The outcome of `ChainKey.advance`: applied to the chain only once the message it was for checked out.
struct ChainAdvance: Sendable {
    let seed: SymmetricKey256
    let next: ChainKey
    /// (index, seed) of the messages jumped over, oldest first.
    let skipped: [(UInt32, SymmetricKey256)]
}

/// Why a chain could not give a key. Each family maps it to its own error with its own payload.
enum ChainError: Error {
    /// The index would pass 2^32 − 1.
    case exhausted
    /// The message is further ahead than the chain's limit allows.
    case tooFarAhead(jump: UInt32, limit: UInt32)
    /// The steps would exceed what is left of the message's `DecryptionBudget`.
    case overBudget(steps: UInt32, remaining: UInt32)
}
