import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// OpenSSL-calling file (SHA-256 with SHA-NI).

/// An HMAC-SHA256 key with its inner and outer SHA-256 states already absorbed (RFC 2104: `K ⊕ ipad`,
/// `K ⊕ opad`). Every MAC under the same key (the two chain-step MACs, every HKDF-Expand block) then costs
/// two compression calls instead of four, with no allocation: the keyed state is copied onto the stack,
/// used and wiped.
public struct HMACKey: Sendable {
    /// Length of a full HMAC-SHA256 tag.
    public static let macCount = 32
    static let blockCount = 64

    final class State: @unchecked Sendable {
        var inner = SHA256_CTX()
        var outer = SHA256_CTX()
        deinit {
            OPENSSL_cleanse(&inner, MemoryLayout<SHA256_CTX>.size)
            OPENSSL_cleanse(&outer, MemoryLayout<SHA256_CTX>.size)
        }
    }

    let state: State

    /// Absorbs a secret key; the padded key block is wiped before returning.
    public init(_ key: SecretBytes) {
        self = key.withUnsafeBytes { HMACKey(bytes: $0) }
    }

    /// Keys of any length (longer than 64 bytes are hashed first, as RFC 2104 says).
    public init<Bytes: ContiguousBytes>(rawKey: Bytes) {
        self = rawKey.withUnsafeBytes { HMACKey(bytes: $0) }
    }

    init(bytes key: UnsafeRawBufferPointer) {
        let state = State()
        // 64-byte key block and pads on the stack, wiped before returning.
        var block = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &block) { blockBytes in
            if key.count > Self.blockCount {
                _ = SHA256(key.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count,
                           blockBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            } else if key.count > 0 {
                blockBytes.copyMemory(from: key)
            }
            for i in 0..<Self.blockCount { blockBytes[i] ^= 0x36 }
            SHA256_Init(&state.inner)
            SHA256_Update(&state.inner, blockBytes.baseAddress, Self.blockCount)
            for i in 0..<Self.blockCount { blockBytes[i] ^= 0x36 ^ 0x5c }
            SHA256_Init(&state.outer)
            SHA256_Update(&state.outer, blockBytes.baseAddress, Self.blockCount)
            OPENSSL_cleanse(blockBytes.baseAddress, Self.blockCount)
        }
        self.state = state
    }

    /// The MAC of `a ‖ b ‖ c ‖ d`, written to `output` (at least 32 bytes). Up to four parts so that
    /// callers never concatenate into a temporary (a Signal MAC covers two identities and the message).
    /// Hazardous: raw pointers, and `output` receives key material when the MAC is a KDF step.
    @_spi(Hazmat)
    @inline(__always)
    public func mac(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        _ d: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), into output: UnsafeMutableRawBufferPointer
    ) {
        precondition(output.count >= 32)
        var working = state.inner
        if a.count > 0 { SHA256_Update(&working, a.baseAddress, a.count) }
        if b.count > 0 { SHA256_Update(&working, b.baseAddress, b.count) }
        if c.count > 0 { SHA256_Update(&working, c.baseAddress, c.count) }
        if d.count > 0 { SHA256_Update(&working, d.baseAddress, d.count) }
        var innerDigest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &innerDigest) { digest in
            let digestPointer = digest.baseAddress!.assumingMemoryBound(to: UInt8.self)
            SHA256_Final(digestPointer, &working)
            working = state.outer
            SHA256_Update(&working, digestPointer, 32)
            SHA256_Final(output.baseAddress!.assumingMemoryBound(to: UInt8.self), &working)
            OPENSSL_cleanse(digestPointer, 32)
        }
        OPENSSL_cleanse(&working, MemoryLayout<SHA256_CTX>.size)
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

    /// The MAC of a single byte as key material: the ratchet's chain step (`0x01` message-key seed,
    /// `0x02` next chain key) without any intermediate allocation.
    public func secretAuthenticationCode(forByte byte: UInt8) -> SecretBytes {
        SecretBytes(count: 32) { out in withUnsafeBytes(of: byte) { mac($0, into: out) } }
    }

    /// Constant-time check of a possibly truncated tag (libsignal keeps 8 bytes). Tags shorter than
    /// 8 bytes or longer than 32 are refused.
    public func isValidAuthenticationCode<T: DataProtocol, D: DataProtocol>(_ tag: T, for data: D) -> Bool {
        withContiguous(data) { isValidAuthenticationCode(tag, forParts: $0) }
    }

    /// The same check over `a ‖ b ‖ c` without concatenating them (raw pointers, hence Hazmat).
    @_spi(Hazmat)
    public func isValidAuthenticationCode<T: DataProtocol>(
        _ tag: T, forParts a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) -> Bool {
        guard tag.count >= 8, tag.count <= 32 else { return false }
        var full = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &full) { out in
            mac(a, b, c, into: out)
            return withContiguous(tag) { t in ConstantTime.equals(UnsafeRawBufferPointer(rebasing: out[0..<t.count]), t) }
        }
    }
}

extension HMACKey: CustomStringConvertible {
    /// Always redacted: the keyed state is as good as the key.
    public var description: String { "HMACKey(redacted)" }
}
