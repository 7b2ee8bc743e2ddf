import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// libsodium-calling file (ChaCha20 keystream).

/// A deterministic stream: the ChaCha20 (IETF) keystream under a 32-byte seed with an all-zero nonce.
/// **Never use it for real keys**: that is why it is `@_spi(Hazmat)`. It exists so that vectors and tests are reproducible; a vector file
/// records the seed and the order in which bytes were drawn.
@_spi(Hazmat)
public final class SeededEntropy: EntropySource {
    private struct State {
        var block = [UInt8](repeating: 0, count: 64)
        var used = 64
        var counter: UInt32 = 0
    }

    private let seed: SecretBytes
    private let state = Locked(State())

    /// `seed` must be exactly 32 bytes (traps otherwise); the stream starts at block 0.
    public init(seed: some ContiguousBytes) {
        Sodium.ensureReady()
        let bytes = SecretBytes(seed)
        precondition(bytes.count == 32, "SeededEntropy needs a 32-byte seed")
        self.seed = bytes
    }

    /// A seed from a small integer, little-endian in the first 8 bytes (handy in tests).
    public convenience init(seed: UInt64) {
        var raw = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { raw[i] = UInt8(truncatingIfNeeded: seed >> (8 * UInt64(i))) }
        self.init(seed: raw)
    }

    /// The next `buffer.count` bytes of the keystream; thread-safe, but concurrent callers make the
    /// order of draws, and so the output, nondeterministic.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count > 0 else { return }
        state.withLock { state in
            var written = 0
            while written < buffer.count {
                if state.used == 64 {
                    refill(&state)
                }
                let take = Swift.min(64 - state.used, buffer.count - written)
                for i in 0..<take { buffer[written + i] = state.block[state.used + i] }
                state.used += take
                written += take
            }
        }
    }

    private func refill(_ state: inout State) {
        let nonce = [UInt8](repeating: 0, count: Int(crypto_stream_chacha20_ietf_NONCEBYTES))
        let zeros = [UInt8](repeating: 0, count: 64)
        seed.withUnsafeBytes { key in
            _ = crypto_stream_chacha20_ietf_xor_ic(
                &state.block, zeros, 64, nonce, state.counter,
                key.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        state.counter &+= 1
        state.used = 0
    }
}
