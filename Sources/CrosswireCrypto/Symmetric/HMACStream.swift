import COpenSSL

// OpenSSL-calling file (SHA-256 with SHA-NI).

/// HMAC-SHA256 over input that arrives in pieces (an attachment's ciphertext, chunk by chunk), on the
/// stack: the keyed inner state is copied in once and the outer one is kept for the end. Wiped when the
/// tag is taken and when released.
public struct HMACStream: ~Copyable, @unchecked Sendable {  // the states are owned, never shared
    /// `[working inner, outer]`, on the heap so that release can wipe them in place.
    private let states: UnsafeMutablePointer<SHA256_CTX>
    private var isFinished = false

    /// A stream under `key`'s keyed states.
    public init(key: HMACKey) {
        states = .allocate(capacity: 2)
        states.initialize(to: key.state.keyed.inner)
        (states + 1).initialize(to: key.state.keyed.outer)
    }

    /// A stream under a raw key of any length (RFC 2104).
    @_spi(Hazmat)
    public init(rawKey: UnsafeRawBufferPointer) {
        var keyed = HMACState(key: rawKey)
        states = .allocate(capacity: 2)
        states.initialize(to: keyed.inner)
        (states + 1).initialize(to: keyed.outer)
        keyed.wipe()
    }

    /// A stream under `range` of a secret (a slice of a key schedule), never copied out.
    public init(key: SecretBytes, range: Range<Int>) {
        var keyed = key.withUnsafeBytes { HMACState(key: UnsafeRawBufferPointer(rebasing: $0[range])) }
        states = .allocate(capacity: 2)
        states.initialize(to: keyed.inner)
        (states + 1).initialize(to: keyed.outer)
        keyed.wipe()
    }

    /// Absorbs `bytes`; the pointer is read only during the call.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isFinished, "HMACStream used after finalize()")
        guard bytes.count > 0 else { return }
        SHA256_Update(states, bytes.baseAddress, bytes.count)
    }

    /// The full 32-byte tag. Call once: both states are wiped afterwards.
    public mutating func finalize() -> [UInt8] {
        precondition(!isFinished, "HMACStream finalized twice")
        isFinished = true
        var tag = [UInt8](repeating: 0, count: 32)
        tag.withUnsafeMutableBytes { out in
            let pointer = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            SHA256_Final(pointer, states)
            SHA256_Update(states + 1, pointer, 32)
            SHA256_Final(pointer, states + 1)
        }
        OPENSSL_cleanse(states, 2 * MemoryLayout<SHA256_CTX>.size)
        return tag
    }

    deinit {
        OPENSSL_cleanse(states, 2 * MemoryLayout<SHA256_CTX>.size)
        states.deallocate()
    }
}
