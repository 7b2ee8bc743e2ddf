import CrosswireWire
import CrosswireCrypto

/// Every sender chain known for one (sender, group), newest first, at most `GroupLimits.maxStates`;
/// plus the layout and distribution id the group was created with. On the sender's own device the
/// newest state is outbound; every other state is inbound.
public struct SenderKeyRecord: Sendable {
    /// One chain of the record.
    enum State: Sendable {
        case inbound(InboundSenderKeyState)
        case outbound(OutboundSenderKeyState)

        var chainID: UInt32 {
            switch self {
            case .inbound(let state): state.chainID
            case .outbound(let state): state.chainID
            }
        }

        var signingPublicKey: ECPublicKey {
            switch self {
            case .inbound(let state): state.signingPublicKey
            case .outbound(let state): state.signingPublicKey
            }
        }
    }

    /// The wire layout, fixed when the group's record was created: messages in the other one are `wrongLayout`.
    public let layout: SenderKeyLayout
    /// 16 bytes in the distribution-UUID layout; empty in the legacy one.
    public let distributionID: [UInt8]
    var states: [State]

    init(layout: SenderKeyLayout, distributionID: [UInt8], states: [State] = []) {
        self.layout = layout
        self.distributionID = distributionID
        self.states = states
    }

    /// No chain yet, so nothing to encrypt or decrypt with.
    public var isEmpty: Bool { states.isEmpty }

    /// Our newest chain, when this record is our own.
    var outbound: OutboundSenderKeyState? {
        guard case .outbound(let state) = states.first else { return nil }
        return state
    }

    /// The inbound chain with this id, and where it is.
    func inbound(chainID: UInt32) -> (index: Int, state: InboundSenderKeyState)? {
        for (index, state) in states.enumerated() {
            if case .inbound(let inbound) = state, inbound.chainID == chainID { return (index, inbound) }
        }
        return nil
    }

    /// Adds a state at the front. The same chain id with the same signing key keeps the existing state
    /// (re-processing a distribution is idempotent); with another signing key the old state is replaced.
    mutating func add(_ state: State) {
        if let index = states.firstIndex(where: { $0.chainID == state.chainID }) {
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
