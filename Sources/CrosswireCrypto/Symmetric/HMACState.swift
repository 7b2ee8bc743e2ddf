import COpenSSL

// OpenSSL-calling file (SHA-256 with SHA-NI).

/// The keyed inner and outer SHA-256 states of one HMAC-SHA256 key, as a value: what a key that lives
/// for one operation (a chain step, an HKDF, one message's MAC key) keeps on the caller's stack instead
/// of in a heap object. `withKey` builds it, lends it and wipes it; `HMACKey` keeps one for long-lived
/// keys. Hazardous: it is as good as the key, and `mac` takes raw pointers.
@_spi(Hazmat)
public struct HMACState {
    static let blockCount = 64

    @usableFromInline var inner = SHA256_CTX()
    @usableFromInline var outer = SHA256_CTX()

    /// Absorbs `key` (RFC 2104; keys over 64 bytes are hashed first); the padded block is wiped.
    @usableFromInline
    init(key: UnsafeRawBufferPointer) {
        var block = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &block) { blockBytes in
            if key.count > Self.blockCount {
                _ = SHA256(key.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count,
                           blockBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            } else if key.count > 0 {
                blockBytes.copyMemory(from: key)
            }
            for i in 0..<Self.blockCount { blockBytes[i] ^= 0x36 }
            SHA256_Init(&inner)
            SHA256_Update(&inner, blockBytes.baseAddress, Self.blockCount)
            for i in 0..<Self.blockCount { blockBytes[i] ^= 0x36 ^ 0x5c }
            SHA256_Init(&outer)
            SHA256_Update(&outer, blockBytes.baseAddress, Self.blockCount)
            OPENSSL_cleanse(blockBytes.baseAddress, Self.blockCount)
        }
    }

    /// Runs `body` with the keyed state of `key` on the stack and wipes it afterwards: no allocation.
    @inlinable
    public static func withKey<R, E: Error>(_ key: UnsafeRawBufferPointer, _ body: (HMACState) throws(E) -> R) throws(E) -> R {
        var state = HMACState(key: key)
        defer { state.wipe() }
        return try body(state)
    }

    /// The MAC of `a ‖ b ‖ c ‖ d` into `output` (at least 32 bytes), without concatenating the parts.
    /// `output` receives key material when the MAC is a KDF step.
    @inline(__always)
    public func mac(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        _ d: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), into output: UnsafeMutableRawBufferPointer
    ) {
        precondition(output.count >= 32)
        var working = inner
        if a.count > 0 { SHA256_Update(&working, a.baseAddress, a.count) }
        if b.count > 0 { SHA256_Update(&working, b.baseAddress, b.count) }
        if c.count > 0 { SHA256_Update(&working, c.baseAddress, c.count) }
        if d.count > 0 { SHA256_Update(&working, d.baseAddress, d.count) }
        var innerDigest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &innerDigest) { digest in
            let digestPointer = digest.baseAddress!.assumingMemoryBound(to: UInt8.self)
            SHA256_Final(digestPointer, &working)
            working = outer
            SHA256_Update(&working, digestPointer, 32)
            SHA256_Final(output.baseAddress!.assumingMemoryBound(to: UInt8.self), &working)
            OPENSSL_cleanse(digestPointer, 32)
        }
        // `working` needs no wipe: SHA256_Final cleanses its data block, and the chaining value it
        // leaves is the MAC just written to `output`.
    }

    /// Constant-time check of a tag of 8…32 bytes (libsignal keeps 8) over `a ‖ b ‖ c`.
    public func isValidAuthenticationCode(
        _ tag: UnsafeRawBufferPointer, forParts a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) -> Bool {
        guard tag.count >= 8, tag.count <= 32 else { return false }
        var full = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &full) { out in
            mac(a, b, c, into: out)
            return ConstantTime.equals(UnsafeRawBufferPointer(rebasing: out[0..<tag.count]), tag)
        }
    }

    @usableFromInline
    mutating func wipe() {
        OPENSSL_cleanse(&inner, MemoryLayout<SHA256_CTX>.size)
        OPENSSL_cleanse(&outer, MemoryLayout<SHA256_CTX>.size)
    }
}
