/// Which way a message travels when trust is checked (libsignal's `Direction`).
public enum TrustDirection: Sendable {
    case sending, receiving
}
