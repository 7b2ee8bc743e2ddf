#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 256-bit secret: root keys, chain keys, message-key seeds and sender chain keys. The size is part of
/// the type, so an IV, a KDF output of another length or a MAC key cannot stand where a chain key goes,
/// and code that holds one never re-checks its length.
public struct SymmetricKey256: Sendable, Equatable, ContiguousBytes {
    /// The only length this type holds.
    public static let byteCount = 32

    /// The bytes, in the one zeroizing container.
    public private(set) var rawRepresentation: SecretBytes

    /// Takes a 32-byte secret; any other length is refused.
    public init(_ secret: SecretBytes) throws(CryptoError) {
        guard secret.count == Self.byteCount else {
            throw CryptoError(.invalidLength, "a 256-bit key is 32 bytes, got \(secret.count)")
        }
        rawRepresentation = secret
    }

    /// Copies 32 bytes into a zeroizing container.
    public init<Bytes: ContiguousBytes>(rawRepresentation bytes: Bytes) throws(CryptoError) {
        try self.init(SecretBytes(bytes))
    }

    /// For KDF outputs this module sliced to 32 bytes itself.
    package init(exactly secret: SecretBytes) {
        precondition(secret.count == Self.byteCount)
        rawRepresentation = secret
    }

    /// Fresh random key material from `entropy`.
    public init(using entropy: some EntropySource = SystemEntropy()) {
        rawRepresentation = SecretBytes(randomCount: Self.byteCount, using: entropy)
    }

    /// Replaces the key with 32 bytes `body` writes, in place when no copy shares the buffer.
    @_spi(Hazmat)
    public mutating func overwrite(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        rawRepresentation.overwrite(body)
    }

    /// Raw access to the key. The pointer must not escape `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try rawRepresentation.withUnsafeBytes(body)
    }
}

extension SymmetricKey256: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always redacted.
    public var description: String { "SymmetricKey256(redacted)" }
    /// The same redacted text as `description`.
    public var debugDescription: String { description }
    /// An empty mirror, so `dump` shows no key bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
