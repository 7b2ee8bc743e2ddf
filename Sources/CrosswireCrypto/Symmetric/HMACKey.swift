import CSodium
import FoundationEssentials

// libsodium-calling file.

/// An HMAC-SHA256 key with its inner and outer hash states already absorbed. Every MAC under the same key
/// (the two chain-step MACs, every HKDF-Expand block) then costs two compression calls instead of four,
/// with no allocation: the keyed state is copied onto the stack, used and wiped.
public struct HMACKey: Sendable {
    public static let macCount = 32

    final class State: @unchecked Sendable {
        var keyed = crypto_auth_hmacsha256_state()
        deinit { sodium_memzero(&keyed, MemoryLayout<crypto_auth_hmacsha256_state>.size) }
    }

    let state: State

    public init(_ key: SecretBytes) {
        self = key.withUnsafeBytes { HMACKey(bytes: $0) }
    }

    /// Keys of any length (RFC 2104: longer than 64 bytes are hashed first).
    public init<Bytes: ContiguousBytes>(rawKey: Bytes) {
        self = rawKey.withUnsafeBytes { HMACKey(bytes: $0) }
    }

    init(bytes key: UnsafeRawBufferPointer) {
        Sodium.ensureReady()
        let state = State()
        let empty: [UInt8] = [0]
        if let base = key.baseAddress, key.count > 0 {
            crypto_auth_hmacsha256_init(&state.keyed, base.assumingMemoryBound(to: UInt8.self), key.count)
        } else {
            crypto_auth_hmacsha256_init(&state.keyed, empty, 0)
        }
        self.state = state
    }

    /// Computes the MAC of the concatenation of `parts` into `output` (32 bytes).
    @inline(__always)
    func mac(_ parts: UnsafeRawBufferPointer..., into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 32)
        var working = state.keyed
        for part in parts where part.count > 0 {
            crypto_auth_hmacsha256_update(&working, part.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(part.count))
        }
        crypto_auth_hmacsha256_final(&working, output.baseAddress!.assumingMemoryBound(to: UInt8.self))
        sodium_memzero(&working, MemoryLayout<crypto_auth_hmacsha256_state>.size)
    }

    /// The full 32-byte tag; tags are public.
    public func authenticationCode<D: DataProtocol>(for data: D) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            withContiguous(data) { mac($0, into: UnsafeMutableRawBufferPointer(buffer)) }
            count = 32
        }
    }

    /// The tag when it is key material (ratchet chain steps): it never leaves a zeroizing container.
    public func secretAuthenticationCode<D: DataProtocol>(for data: D) -> SecretBytes {
        SecretBytes(count: 32) { out in withContiguous(data) { mac($0, into: out) } }
    }

    /// Constant-time check of a possibly truncated tag (libsignal keeps 8 bytes). Tags shorter than
    /// 8 bytes or longer than 32 are refused.
    public func isValidAuthenticationCode<T: DataProtocol, D: DataProtocol>(_ tag: T, for data: D) -> Bool {
        guard tag.count >= 8, tag.count <= 32 else { return false }
        var full = [UInt8](repeating: 0, count: 32)
        full.withUnsafeMutableBytes { out in withContiguous(data) { mac($0, into: out) } }
        return withContiguous(tag) { t in
            full.withUnsafeBytes { ConstantTime.equals(UnsafeRawBufferPointer(rebasing: $0[0..<t.count]), t) }
        }
    }
}

extension HMACKey: CustomStringConvertible {
    public var description: String { "HMACKey(redacted)" }
}
