/// Which way a message travels when trust is checked (libsignal's `Direction`).
public enum TrustDirection: Sendable {
    /// Using the peer's key to send: processing its bundle or encrypting to it.
    case sending
    /// Accepting a message from the peer.
    case receiving
}
