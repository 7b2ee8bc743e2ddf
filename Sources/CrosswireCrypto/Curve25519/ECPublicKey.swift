#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Curve25519 public key (Montgomery u-coordinate), used for X25519 agreement and XEdDSA verification.
/// Serialized as libsignal does: the type byte `0x05` followed by the 32-byte little-endian u.
public struct ECPublicKey: Sendable, Hashable {
    /// libsignal's `KeyType::Djb`.
    public static let typeByte: UInt8 = 0x05
    /// Length of `serialized`: type byte plus u.
    public static let serializedCount = 33
    /// Length of `rawRepresentation`: u alone.
    public static let rawCount = 32

    @usableFromInline let u: Bytes32

    init(u: Bytes32) { self.u = u }

    /// The bare 32-byte u-coordinate (no type byte). Not checked for canonical form (see `isCanonical`).
    public init<D: DataProtocol>(rawRepresentation: D) throws(CryptoError) {
        guard rawRepresentation.count == Self.rawCount else {
            throw CryptoError(.invalidLength, "Curve25519 public key must be 32 bytes, got \(rawRepresentation.count)")
        }
        u = withContiguous(rawRepresentation) { Bytes32($0) }
    }

    /// The 33-byte libsignal form `0x05 ‖ u`. Anything else, including trailing bytes, is refused.
    public init<D: DataProtocol>(serialized: D) throws(CryptoError) {
        guard serialized.count == Self.serializedCount else {
            throw CryptoError(.invalidLength, "serialized Curve25519 public key must be 33 bytes, got \(serialized.count)")
        }
        let parsed: Bytes32? = withContiguous(serialized) { bytes in
            bytes[0] == Self.typeByte ? Bytes32(UnsafeRawBufferPointer(rebasing: bytes[1...])) : nil
        }
        guard let parsed else {
            throw CryptoError(.invalidKeyType, "public key type byte 0x\(Hex.encode([serialized.first!])) is not 0x05")
        }
        u = parsed
    }

    /// The same parse for a slice of a message or record, without the generic detour (no copy).
    public init(serialized: ArraySlice<UInt8>) throws(CryptoError) {
        guard serialized.count == Self.serializedCount else {
            throw CryptoError(.invalidLength, "serialized Curve25519 public key must be 33 bytes, got \(serialized.count)")
        }
        guard serialized[serialized.startIndex] == Self.typeByte else {
            throw CryptoError(.invalidKeyType, "public key type byte 0x\(Hex.encode([serialized[serialized.startIndex]])) is not 0x05")
        }
        u = serialized.withUnsafeBytes { Bytes32(UnsafeRawBufferPointer(rebasing: $0[1...])) }
    }

    /// The bare 32-byte u from raw memory (a record field being scanned), without the generic detour.
    public init(rawRepresentation: UnsafeRawBufferPointer) throws(CryptoError) {
        guard rawRepresentation.count == Self.rawCount else {
            throw CryptoError(.invalidLength, "Curve25519 public key must be 32 bytes, got \(rawRepresentation.count)")
        }
        u = Bytes32(rawRepresentation)
    }

    /// The bare 32-byte u from a slice (a record field), without the generic detour.
    public init(rawRepresentation: ArraySlice<UInt8>) throws(CryptoError) {
        guard rawRepresentation.count == Self.rawCount else {
            throw CryptoError(.invalidLength, "Curve25519 public key must be 32 bytes, got \(rawRepresentation.count)")
        }
        u = rawRepresentation.withUnsafeBytes { Bytes32($0) }
    }

    /// The bare 32-byte little-endian u, without the type byte.
    public var rawRepresentation: [UInt8] { u.array }

    /// `0x05 ‖ u`, the form that goes on the wire and into MACs and signatures.
    public var serialized: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 33) { buffer, count in
            buffer[0] = Self.typeByte
            u.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: buffer.baseAddress! + 1, count: 32).copyMemory(from: $0) }
            count = 33
        }
    }

    /// `0x05 ‖ u` on the stack for the length of `body`: what a MAC over identities reads, with no array.
    @inlinable
    public func withSerializedBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return try withUnsafeMutableBytes(of: &buffer) { (raw) throws(E) -> R in
            raw[0] = Self.typeByte
            u.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[1..<Self.serializedCount]).copyMemory(from: $0) }
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<Self.serializedCount]))
        }
    }

    /// Appends `0x05 ‖ u` without an intermediate array.
    public func appendSerialized(to output: inout [UInt8]) {
        output.append(Self.typeByte)
        u.withUnsafeBytes { output.append(contentsOf: $0) }
    }

    /// Whether u is in canonical form: bit 255 clear and u < 2^255 − 19. X25519 ignores bit 255 and
    /// reduces u, so a non-canonical encoding names the same point as another key; libsignal ≥ 0.80.1
    /// refuses such base keys and so does Crosswire.
    public var isCanonical: Bool {
        u.withUnsafeBytes { b in
            if b[31] & 0x80 != 0 { return false }
            if b[31] != 0x7f { return true }
            for i in 1...30 where b[i] != 0xff { return true }
            return b[0] < 0xed
        }
    }

    /// Whether the key is a canonical encoding of a point in the prime-order subgroup. X25519 with a
    /// clamped scalar cannot tell P from P + T for a point T of order 2, 4 or 8, so each key has up to
    /// seven equivalent encodings (u → 1/u adds the order-2 point); refusing all but the torsion-free
    /// one makes the bytes of a base key unique, which replay detection relies on. libsignal ≥ 0.80.1
    /// requires the same of base keys. Costs a field inversion and a subgroup check (tens of µs): for
    /// keys that start sessions, not for every ratchet key.
    public var isInPrimeOrderSubgroup: Bool {
        isCanonical && EdwardsForm.isInPrimeOrderSubgroup(u: u)
    }

    /// The 32 bytes of u without copying them out; the pointer must not escape `body`.
    public func withUnsafeRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try u.withUnsafeBytes(body)
    }
}

extension ECPublicKey: CustomStringConvertible {
    /// The u-coordinate in hex: public, and what a person compares.
    public var description: String { "ECPublicKey(" + Hex.encode(u.array) + ")" }
}
