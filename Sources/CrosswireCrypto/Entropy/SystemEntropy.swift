import CSodium

// libsodium-calling file.

/// The operating system CSPRNG (libsodium's `randombytes_buf`, i.e. `getrandom(2)` on Linux).
public struct SystemEntropy: EntropySource {
    /// Initialises libsodium if needed; cheap, so make one wherever randomness is needed.
    public init() { Sodium.ensureReady() }

    /// Fresh kernel randomness; never blocks once the system pool is seeded.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }
}
