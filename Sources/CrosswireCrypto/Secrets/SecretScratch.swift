import CSodium

/// A small stack buffer for the secrets of one operation (a chain step's seed and next key, one
/// message's 80 bytes of keys), wiped with `sodium_memzero` when `with` returns or throws. What lets the
/// per-message path allocate nothing for key material. Hazardous: the pointer must not escape.
@_spi(Hazmat)
public enum SecretScratch {
    /// The buffer's size: room for a seed, a chain key and the 80 bytes of message keys.
    public static let byteCount = 192

    /// Lends `byteCount` zeroed bytes of stack to `body`, then wipes them.
    @inlinable
    public static func with<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                     UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                     UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return try withUnsafeMutableBytes(of: &words) { (buffer) throws(E) -> R in
            defer { sodium_memzero(buffer.baseAddress!, buffer.count) }
            return try body(buffer)
        }
    }
}
