#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where key generation gets its randomness. Production code uses `SystemEntropy`; tests and vector
/// generation inject `SeededEntropy` so that every byte they produce can be reproduced.
public protocol EntropySource: Sendable {
    /// Overwrites every byte of `buffer`. Must not fail: a source that cannot deliver should trap.
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension EntropySource {
    /// `count` random bytes for values that are not secret (ids, nonces that are published).
    public func bytes(_ count: Int) -> [UInt8] {
        // With capacity 0 the initializer hands out the shared empty-array storage, and setting its count
        // from two threads at once is a data race (ThreadSanitizer reports it).
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// A uniformly random `UInt32`.
    public func uint32() -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }
}
