#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signal's attachment size buckets: the plaintext is padded with zeros to
/// `max(541, ⌊1.05^⌈log₁.₀₅ n⌉⌋)` bytes, so a blob's length tells a relay the size only to within 5 %
/// (SPEC §14.1). WhatsApp media is not padded.
public enum AttachmentPadding {
    /// The smallest bucket.
    public static let minimumCount = 541

    /// The bucket for `count` plaintext bytes, computed in `Double` as Signal's clients do; never less
    /// than `count` (where rounding would put an exact power of 1.05 one byte short, the size itself).
    public static func paddedCount(for count: Int) -> Int {
        precondition(count >= 0)
        guard count > 1 else { return minimumCount }
        let bucket = floor(pow(1.05, ceil(log(Double(count)) / log(1.05))))
        return max(minimumCount, count, Int(bucket))
    }
}
