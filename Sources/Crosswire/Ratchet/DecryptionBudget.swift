/// The work one incoming message may still cause before it is refused, shared by every state it is
/// tried on: chain steps (one HMAC pair each) and X25519 agreements (one per new receiving chain). A
/// forged message gets no more than this, however many states a record holds (SECURITY.md, "Bounds").
package struct DecryptionBudget: Sendable, CustomStringConvertible {
    /// The most chain steps the message may cause.
    package let maxChainSteps: UInt32
    /// The most agreements the message may cause.
    package let maxAgreements: Int
    /// Chain steps charged so far.
    package private(set) var spentChainSteps: UInt32 = 0
    /// Agreements charged so far.
    package private(set) var spentAgreements = 0

    package init(maxChainSteps: UInt32 = SessionLimits.maxChainStepsPerMessage, maxAgreements: Int = SessionLimits.maxAgreementsPerMessage) {
        self.maxChainSteps = maxChainSteps
        self.maxAgreements = maxAgreements
    }

    /// Chain steps still available.
    var remainingChainSteps: UInt32 { maxChainSteps - spentChainSteps }

    /// Charges `steps` if they fit; nothing is charged otherwise.
    mutating func spendChainSteps(_ steps: UInt32) -> Bool {
        guard steps <= remainingChainSteps else { return false }
        spentChainSteps += steps
        return true
    }

    /// Charges one agreement if one is left.
    mutating func spendAgreement() -> Bool {
        guard spentAgreements < maxAgreements else { return false }
        spentAgreements += 1
        return true
    }

    package var description: String {
        "DecryptionBudget(\(spentChainSteps)/\(maxChainSteps) chain steps, \(spentAgreements)/\(maxAgreements) agreements)"
    }
}
