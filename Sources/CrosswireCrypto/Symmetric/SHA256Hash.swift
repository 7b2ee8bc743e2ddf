import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// OpenSSL-calling file (SHA-256 with SHA-NI).

/// Streaming SHA-256 on OpenSSL's state (a plain C struct: no allocation per hash). Attachment digests
/// hash whole files with it, chunk by chunk. The state is wiped when the digest is taken.
public struct SHA256Hash: Sendable {
    /// Digest length.
    public static let byteCount = 32
    private var state = SHA256_CTX()

    /// An empty hash state.
    public init() {
        SHA256_Init(&state)
    }

    /// Absorbs `bytes`; the pointer is read only during the call.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        SHA256_Update(&state, bytes.baseAddress, bytes.count)
    }

    /// Absorbs every region of `data` without first making it contiguous.
    public mutating func update<D: DataProtocol>(_ data: D) {
        for region in data.regions { region.withUnsafeBytes { update($0) } }
    }

    /// The 32-byte digest. Call once: the state is spent (and wiped) afterwards.
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        SHA256_Final(&out, &state)
        OPENSSL_cleanse(&state, MemoryLayout<SHA256_CTX>.size)
        return out
    }

    /// One-shot SHA-256 of `data`.
    public static func hash<D: DataProtocol>(_ data: D) -> [UInt8] {
        var hasher = SHA256Hash()
        hasher.update(data)
        return hasher.finalize()
    }
}
