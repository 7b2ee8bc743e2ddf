import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Comparisons whose running time does not depend on where inputs differ.
public enum ConstantTime {
    /// `true` when both buffers have the same length and contents; time depends on the length only.
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// The same comparison over any contiguous bytes: `true` for equal lengths and contents.
    public static func equals<A: ContiguousBytes, B: ContiguousBytes>(_ a: A, _ b: B) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in equals(pa, pb) } }
    }

    /// `true` when every byte is zero, in constant time.
    public static func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count > 0 else { return true }
        return sodium_is_zero(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) == 1
    }
}
