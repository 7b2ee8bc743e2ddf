import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BigInt

/// The Montgomery → Edwards map y = (u − 1)/(u + 1) mod p that XEdDSA verification needs. It is one
/// field inversion done with BigInt (no hand-written field arithmetic), and it is cached per key because
/// the same identity and signing keys are verified again and again.
enum EdwardsForm {
    private static let p = (BigUInt(1) << 255) - 19
    /// Bounded so that a flood of distinct keys cannot grow memory; on overflow the cache starts over.
    static let cacheLimit = 4096
    private static let cache = Locked<[Bytes32: Bytes32]>([:])

    /// The Edwards y-coordinate (32 bytes LE, bit 255 clear) for `u`, or `nil` when u ≡ −1 (no image).
    /// The top bit of u is ignored and u is reduced mod p, as libsignal's `to_edwards` does.
    static func y(forU u: Bytes32) -> Bytes32? {
        if let hit = cache.withLock({ $0[u] }) { return hit }
        guard let y = compute(u) else { return nil }
        cache.withLock { cache in
            if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[u] = y
        }
        return y
    }

    /// Whether u is the canonical encoding of a point of the prime-order subgroup: on the curve (not the
    /// twist), with no component of order 2, 4 or 8. libsodium checks the Edwards image (y, sign 0; both
    /// signs are in the subgroup or neither). Not cached: base keys are seen once.
    static func isInPrimeOrderSubgroup(u: Bytes32) -> Bool {
        Sodium.ensureReady()
        guard let y = compute(u) else { return false }
        return y.withUnsafeBytes { crypto_core_ed25519_is_valid_point($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1 }
    }

    private static func compute(_ u: Bytes32) -> Bytes32? {
        var littleEndian = u.array
        littleEndian[31] &= 0x7f
        let value = BigUInt(Data(littleEndian.reversed())) % p
        guard value != p - 1, let inverse = (value + 1).inverse(p) else { return nil }
        let y = ((value + p - 1) * inverse) % p
        var out = [UInt8](repeating: 0, count: 32)
        let bigEndian = [UInt8](y.serialize())
        for (i, byte) in bigEndian.reversed().enumerated() { out[i] = byte }
        return out.withUnsafeBytes { Bytes32($0) }
    }
}
