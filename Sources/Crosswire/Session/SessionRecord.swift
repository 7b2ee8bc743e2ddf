import CrosswireCrypto
import CrosswireWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every session with one peer device: the current state plus archived ones, newest first (libsignal's
/// `RecordStructure`, Sesame's active/inactive sessions). A value type; `decrypt` changes it only when
/// a message decrypted.
public struct SessionRecord: Sendable {
    /// Where a state sits in the record.
    enum Location: Equatable {
        case current
        case archived(Int)
    }

    /// The state that encrypts; `nil` before any session exists.
    public internal(set) var current: SessionState?
    /// Newest first, at most `SessionLimits.maxArchivedStates`.
    public internal(set) var archived: [SessionState]

    /// An empty record: no session yet.
    public init() {
        current = nil
        archived = []
    }

    init(current: SessionState?, archived: [SessionState]) {
        self.current = current
        self.archived = archived
    }

    /// No current state: encrypting would throw `noSession`.
    public var isEmpty: Bool { current == nil }

    /// Makes `state` current; the previous current state is archived without its pending prekey.
    mutating func promote(_ state: SessionState) {
        if var old = current {
            old.pendingPreKey = nil
            archived.insert(old, at: 0)
            if archived.count > SessionLimits.maxArchivedStates {
                archived.removeLast(archived.count - SessionLimits.maxArchivedStates)
            }
        }
        current = state
    }

    /// Makes the state at `location` current (nothing to do when it already is).
    mutating func promote(at location: Location) {
        guard case .archived(let index) = location else { return }
        promote(archived.remove(at: index))
    }

    /// The state at `location`, which must exist.
    func state(at location: Location) -> SessionState {
        switch location {
        case .current: current!
        case .archived(let index): archived[index]
        }
    }

    /// Where the state with this version and initiator base key is, if the record has it.
    func location(version: MessageVersion, aliceBaseKey: ECPublicKey) -> Location? {
        if let current, current.version == version, current.aliceBaseKey == aliceBaseKey { return .current }
        return archived.firstIndex { $0.version == version && $0.aliceBaseKey == aliceBaseKey }.map { .archived($0) }
    }

    /// Encrypts with the current state.
    public mutating func encrypt<D: ContiguousBytes>(_ plaintext: D) throws(SessionError) -> CiphertextMessage {
        guard current != nil else {
            throw SessionError(.noSession, "no current session to encrypt with")
        }
        // In place, so a chain key nobody else holds is stepped in its own buffer.
        let result = plaintext.withUnsafeBytes { bytes in
            Result { () throws(SessionError) in try current!.encrypt(bytes) }
        }
        return try result.get()
    }

    /// Decrypts with the current state, else each archived state in turn (trial decryption); the state
    /// that succeeds becomes current. On failure nothing changes, and the current state's error (the
    /// most telling one) is returned; a duplicate stops the search at once, as in libsignal.
    ///
    /// The current state may jump `SessionLimits.chain.maxForwardJump`, archived ones
    /// `SessionLimits.archivedForwardJump`, and all tries together draw on one `DecryptionBudget`: a
    /// forged message costs a bounded amount of work however many states the record holds.
    public mutating func decrypt(_ message: SignalMessage, using entropy: some EntropySource = SystemEntropy()) throws(SessionError) -> [UInt8] {
        var budget = DecryptionBudget()
        return try decrypt(message, using: entropy, budget: &budget)
    }

    /// `decrypt(_:using:)` charging an explicit budget, which tests read back.
    package mutating func decrypt(_ message: SignalMessage, using entropy: some EntropySource, budget: inout DecryptionBudget) throws(SessionError) -> [UInt8] {
        guard current != nil else {
            throw SessionError(.noSession, "no session to decrypt with")
        }
        let firstError: SessionError
        do {
            return try current!.decrypt(message, budget: &budget, using: entropy)
        } catch where error.code == .duplicateMessage {
            throw error
        } catch {
            firstError = error
        }
        for index in archived.indices {
            do {
                let plaintext = try archived[index].decrypt(
                    message, maxJump: SessionLimits.archivedForwardJump, budget: &budget, using: entropy)
                promote(at: .archived(index))
                return plaintext
            } catch where error.code == .duplicateMessage {
                throw error
            } catch {
                continue
            }
        }
        if archived.isEmpty { throw firstError }
        var error = SessionError(firstError.code, "\(firstError.reason); no archived session (of \(archived.count)) decrypts it either",
                                 underlying: firstError.underlying)
        error.ratchetKey = firstError.ratchetKey
        error.counter = firstError.counter
        throw error
    }
}
