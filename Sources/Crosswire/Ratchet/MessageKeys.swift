@_spi(Hazmat) import CrosswireCrypto

/// The keys of one message: `HKDF(seed, info "WhisperMessageKeys", 80)` split as AES key [0,32),
/// MAC key [32,64), IV [64,80). The per-message path derives them into a `SecretScratch` on the stack
/// (`derive(seed:into:)`); this heap form is for vectors, inspection and tests. Stored skipped keys
/// keep only the 32-byte seed.
struct MessageKeys: Sendable {
    static let info = Array("WhisperMessageKeys".utf8)
    static let byteCount = 80

    let material: SecretBytes
    let counter: UInt32

    init(seed: SymmetricKey256, counter: UInt32) {
        material = SecretBytes(count: Self.byteCount) { out in seed.withUnsafeBytes { Self.derive(seed: $0, into: out) } }
        self.counter = counter
    }

    /// The 80 bytes of keys for `seed`, written into `output` with no allocation.
    @inline(__always)
    static func derive(seed: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == byteCount)
        info.withUnsafeBytes { HKDF.derive(seed, info: $0, into: output) }
    }

    /// The parts of 80 bytes of keys.
    @inline(__always)
    static func cipherKey(_ keys: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: keys[0..<32]) }
    @inline(__always)
    static func macKey(_ keys: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: keys[32..<64]) }
    @inline(__always)
    static func iv(_ keys: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: keys[64..<80]) }

    /// For vectors and tests: the AES key and IV as separate secrets.
    package var cipherKey: SecretBytes { material.slice(0..<32) }
    package var iv: SecretBytes { material.slice(64..<80) }
}
