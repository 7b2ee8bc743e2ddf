import CrosswireCrypto
import FoundationEssentials
import CrosswireWire

/// Every session with one peer device: the current state plus archived ones, newest first (libsignal's
/// `RecordStructure`, Sesame's active/inactive sessions). A value type; `decrypt` changes it only when
/// a message decrypted.
public struct SessionRecord: Sendable {
    public internal(set) var current: SessionState?
    /// Newest first, at most `SessionLimits.maxArchivedStates`.
    public internal(set) var archived: [SessionState]

    public init() {
        current = nil
        archived = []
    }

    init(current: SessionState?, archived: [SessionState]) {
        self.current = current
        self.archived = archived
    }

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

    /// Makes the archived state at `index` current.
    mutating func promoteArchived(at index: Int) {
        let state = archived.remove(at: index)
        promote(state)
    }

    /// The state (current = -1, or archived index) with this version and initiator base key.
    func stateIndex(version: UInt8, aliceBaseKey: ECPublicKey) -> Int? {
        if let current, current.version == version, current.aliceBaseKey == aliceBaseKey { return -1 }
        return archived.firstIndex { $0.version == version && $0.aliceBaseKey == aliceBaseKey }
    }

    /// Encrypts with the current state.
    public mutating func encrypt<D: ContiguousBytes>(_ plaintext: D) throws -> CiphertextMessage {
        guard current != nil else {
            throw ProtocolError(.noSession, "no current session to encrypt with")
        }
        return try plaintext.withUnsafeBytes { try current!.encrypt($0) }
    }

    /// Decrypts with the current state, else each archived state in turn (trial decryption); the state
    /// that succeeds becomes current. On failure nothing changes, and the current state's error (the
    /// most telling one) is returned; a duplicate stops the search at once, as in libsignal.
    public mutating func decrypt(_ message: SignalMessage, using entropy: some EntropySource = SystemEntropy()) throws -> [UInt8] {
        guard let current else {
            throw ProtocolError(.noSession, "no session to decrypt with")
        }
        var firstError: Error
        do {
            let (plaintext, commit) = try current.prepareDecrypt(message, using: entropy)
            self.current!.apply(commit)
            return plaintext
        } catch let error as ProtocolError where error.code == .duplicateMessage {
            throw error
        } catch {
            firstError = error
        }
        for index in archived.indices {
            do {
                let (plaintext, commit) = try archived[index].prepareDecrypt(message, using: entropy)
                archived[index].apply(commit)
                promoteArchived(at: index)
                return plaintext
            } catch let error as ProtocolError where error.code == .duplicateMessage {
                throw error
            } catch {
                continue
            }
        }
        if archived.isEmpty { throw firstError }
        if let protocolError = firstError as? ProtocolError {
            throw ProtocolError(protocolError.code, "\(protocolError.reason); no archived session (of \(archived.count)) decrypts it either")
        }
        throw firstError
    }
}
