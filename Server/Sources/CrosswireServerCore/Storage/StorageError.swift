/// Why storage refused or failed. `unavailable` is the only one a handler turns into a 5xx (503).
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What happened.
    public enum Code: String, Sendable {
        /// The database cannot be reached or failed: the request may be retried.
        case unavailable
        /// The row already exists (an account registered twice, a link approved twice).
        case exists
        /// A precondition no longer holds (the device list changed under the request).
        case conflict
        /// A recipient device's queue is at its cap.
        case queueFull
    }

    /// The code.
    public let code: Code
    /// For logs: never key material or message bytes.
    public let reason: String

    /// An error with this code.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `code: reason`.
    public var description: String { "\(code.rawValue): \(reason)" }
}
