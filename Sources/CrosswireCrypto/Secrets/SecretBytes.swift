import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Key material. The bytes live in one heap buffer shared by all copies and are wiped with
/// `sodium_memzero` when the last copy goes away. The buffer is only ever rewritten in place while one
/// copy alone holds it (`overwrite`), so copies never see a change. Equality is constant time;
/// descriptions and mirrors never show the bytes; there is deliberately no `Codable`/`Hashable`.
public struct SecretBytes: @unchecked Sendable {  // shared buffers are never mutated
    /// Header = byte count; the bytes are tail-allocated, so a secret costs one heap allocation.
    final class Storage: ManagedBuffer<Int, UInt8> {
        static func make(count: Int) -> Storage {
            let buffer = Storage.create(minimumCapacity: Swift.max(count, 1)) { _ in count }
            return unsafeDowncast(buffer, to: Storage.self)
        }

        /// Read through the header pointer: a plain class-property read would cost a dynamic
        /// exclusivity check on every access to a secret.
        var count: Int { withUnsafeMutablePointerToHeader { $0.pointee } }

        var pointer: UnsafeMutableRawPointer {
            withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
        }

        deinit {
            let count = self.count
            withUnsafeMutablePointerToElements { elements in
                sodium_memzero(elements, count)
                #if DEBUG
                SecretBytes.releaseObserver.withLock { $0 }?(UnsafeRawBufferPointer(start: elements, count: count))
                #endif
            }
        }
    }

    private(set) var storage: Storage

    /// Copies `bytes` into a fresh zeroizing buffer.
    public init<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        self = bytes.withUnsafeBytes { source in
            SecretBytes(count: source.count) { target in
                if source.count > 0 { target.copyMemory(from: source) }
            }
        }
    }

    /// Copies raw bytes (a field of a record being parsed) into a fresh zeroizing buffer; the
    /// non-generic form of `init(_:)`.
    public init(copying source: UnsafeRawBufferPointer) {
        storage = Storage.make(count: source.count)
        if source.count > 0 { storage.pointer.copyMemory(from: source.baseAddress!, byteCount: source.count) }
    }

    /// `count` bytes from `entropy`.
    public init(randomCount count: Int, using entropy: some EntropySource = SystemEntropy()) {
        self.init(count: count) { entropy.fill($0) }
    }

    /// Fills a new buffer in place, so the secret never exists outside a zeroizing container.
    public init(count: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let storage = Storage.make(count: count)
        do {
            try body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: count))
        } catch {
            throw error  // storage is released (and zeroed) here
        }
        self.storage = storage
    }

    /// The length, which is not secret.
    public var count: Int { storage.count }

    /// Raw access to the secret. The pointer must not escape `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Replaces the contents: in place when this copy alone holds the buffer (a ratchet chain key
    /// stepping forward allocates nothing), else in a fresh buffer, leaving the other copies as they
    /// were. `body` must write all `count` bytes.
    @_spi(Hazmat)
    public mutating func overwrite(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage.make(count: storage.count) }
        body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// A new secret holding `range` of this one.
    public func slice(_ range: Range<Int>) -> SecretBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice out of bounds")
        return SecretBytes(count: range.count) { target in
            if range.count > 0 {
                target.copyMemory(from: UnsafeRawBufferPointer(start: storage.pointer + range.lowerBound, count: range.count))
            }
        }
    }

    /// Copies the secret out as an array. The copy is *not* zeroized: only for vectors, tests and
    /// serialisers that immediately write it elsewhere, hence `@_spi(Hazmat)`.
    @_spi(Hazmat)
    public var unprotectedBytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Zeroes `bytes` in place (libsodium's `sodium_memzero`, which the optimizer may not drop): for the
    /// plain arrays a serializer must build before the secret leaves for its caller.
    @_spi(Hazmat)
    public static func wipe(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress!, $0.count) }
    }

    #if DEBUG
    /// Test hook: sees each buffer after it was wiped and before it is freed (debug builds only).
    static let releaseObserver = Locked<(@Sendable (UnsafeRawBufferPointer) -> Void)?>(nil)
    #endif
}

extension SecretBytes: ContiguousBytes {}

extension SecretBytes: Equatable {
    /// Constant time in the contents (lengths are not secret).
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `SecretBytes(N bytes, redacted)`: the length only.
    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
    /// The same redacted text as `description`.
    public var debugDescription: String { description }
    /// An empty mirror, so `dump` and debuggers show no bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
