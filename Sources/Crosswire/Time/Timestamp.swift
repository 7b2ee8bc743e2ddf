import Foundation

/// Milliseconds since 1970, the unit of every timestamp in records and bundles (libsignal's).
public enum Timestamp {
    /// The wall clock now. Ciphers and device maintenance take an injectable `now` defaulting to this,
    /// so tests can move time.
    @Sendable public static func now() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}
