/// 32 bytes stored inline (no heap allocation): public keys and digests are passed around constantly.
@usableFromInline
struct Bytes32: Hashable, Sendable {
    @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64)

    @inlinable
    init(_ source: UnsafeRawBufferPointer) {
        precondition(source.count == 32)
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
    }

    @inlinable
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    var array: [UInt8] { withUnsafeBytes { Array($0) } }

    @inlinable
    static func == (a: Bytes32, b: Bytes32) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    @inlinable
    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
