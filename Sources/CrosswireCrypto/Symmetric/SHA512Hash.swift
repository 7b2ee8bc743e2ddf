import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// libsodium-calling file.

/// Streaming SHA-512 on libsodium's state (a plain C struct: no allocation per hash). XEdDSA and safety
/// numbers hash with it.
public struct SHA512Hash: Sendable {
    /// Digest length.
    public static let byteCount = 64
    private var state = crypto_hash_sha512_state()

    /// An empty hash state.
    public init() {
        Sodium.ensureReady()
        crypto_hash_sha512_init(&state)
    }

    /// Absorbs `bytes`; the pointer is read only during the call.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        crypto_hash_sha512_update(&state, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// Absorbs every region of `data` without first making it contiguous.
    public mutating func update<D: DataProtocol>(_ data: D) {
        for region in data.regions { region.withUnsafeBytes { update($0) } }
    }

    /// The 64-byte digest. Call once: the state is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        crypto_hash_sha512_final(&state, &out)
        return out
    }

    /// One-shot SHA-512 of `data`.
    public static func hash<D: DataProtocol>(_ data: D) -> [UInt8] {
        var hasher = SHA512Hash()
        hasher.update(data)
        return hasher.finalize()
    }
}
