import CrosswireCrypto
import CrosswireWire

/// One sender chain of one member in one group (libsignal's `SenderKeyStateStructure`): chain id, chain
/// key, the signing key (private only on the sender's own device) and the seeds of skipped messages.
public struct SenderKeyState: Sendable {
    let chainID: UInt32
    var chainKey: SenderChainKey
    let signingPublicKey: ECPublicKey
    let signingPrivateKey: ECPrivateKey?
    /// Precomputed for the sender's own state: one base-point multiplication per signature.
    let signingKey: XEdDSASigningKey?
    var skipped: [UInt32: SecretBytes]
    /// No skipped iteration is below this (eviction scans forward from here).
    var skippedFloor: UInt32

    init(chainID: UInt32, chainKey: SenderChainKey, signingPublicKey: ECPublicKey, signingPrivateKey: ECPrivateKey?,
         skipped: [UInt32: SecretBytes] = [:]) {
        self.chainID = chainID
        self.chainKey = chainKey
        self.signingPublicKey = signingPublicKey
        self.signingPrivateKey = signingPrivateKey
        self.signingKey = signingPrivateKey.map(XEdDSASigningKey.init)
        self.skipped = skipped
        self.skippedFloor = skipped.keys.min() ?? 0
    }

    public var iteration: UInt32 { chainKey.iteration }
    public var id: UInt32 { chainID }

    mutating func storeSkipped(_ seed: SecretBytes, for iteration: UInt32) {
        if skipped.isEmpty { skippedFloor = iteration }
        skipped[iteration] = seed
        while skipped.count > SessionLimits.maxSkippedKeysPerChain {
            skipped.removeValue(forKey: skippedFloor)
            skippedFloor &+= 1
        }
    }
}

/// Every sender chain known for one (sender, group), newest first, at most `GroupLimits.maxStates`;
/// plus the layout and distribution id the group was created with.
public struct SenderKeyRecord: Sendable {
    public let layout: SenderKeyLayout
    /// 16 bytes in the distribution-UUID layout; empty in the legacy one.
    public let distributionID: [UInt8]
    var states: [SenderKeyState]

    init(layout: SenderKeyLayout, distributionID: [UInt8], states: [SenderKeyState] = []) {
        self.layout = layout
        self.distributionID = distributionID
        self.states = states
    }

    public var isEmpty: Bool { states.isEmpty }

    func stateIndex(chainID: UInt32) -> Int? { states.firstIndex { $0.chainID == chainID } }

    /// Adds a state at the front. The same chain id with the same signing key keeps the existing state
    /// (re-processing a distribution is idempotent); with another signing key the old state is replaced.
    mutating func add(_ state: SenderKeyState) {
        if let index = stateIndex(chainID: state.chainID) {
            if states[index].signingPublicKey == state.signingPublicKey {
                let existing = states.remove(at: index)
                states.insert(existing, at: 0)
                return
            }
            states.remove(at: index)
        }
        states.insert(state, at: 0)
        if states.count > GroupLimits.maxStates { states.removeLast(states.count - GroupLimits.maxStates) }
    }
}

/// Bounds for groups (SPEC.md §8.4).
public enum GroupLimits {
    /// Sender chains kept per (sender, group) (libsignal: 5), so a re-keyed sender's delayed messages
    /// still decrypt for a while.
    public static let maxStates = 5
    /// Largest accepted iteration jump in one message (as for 1:1 chains).
    public static let maxForwardJump: UInt32 = SessionLimits.maxForwardJump
    /// Skipped-message seeds kept per state (as for 1:1 chains).
    public static let maxSkippedKeys = SessionLimits.maxSkippedKeysPerChain
}
