import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// libsodium-calling file: XEdDSA from libsodium's Ed25519 core operations.

/// XEdDSA signatures by Curve25519 keys, bit-compatible with libsignal (not the published spec):
/// the Edwards public key A = a·B is used as is (no negation to force sign 0), its sign bit travels in
/// bit 7 of the last signature byte, and the nonce hashes the raw clamped key.
/// Verification reads the sign bit from the signature, so spec-style signatures (sign 0) verify too.
public enum XEdDSA {
    /// Signature length: `R ‖ s`, the sign bit in bit 7 of the last byte.
    public static let signatureCount = 64

    /// Signs `message` with 64 bytes of fresh randomness Z from `entropy`.
    static func sign(
        _ message: UnsafeRawBufferPointer, with key: SecretBytes, entropy: some EntropySource
    ) -> [UInt8] {
        Sodium.ensureReady()
        // Z is as secret as the nonce it feeds: it lives in a wiping container.
        let z = SecretBytes(randomCount: 64, using: entropy)
        return key.withUnsafeBytes { k in
            let (a, publicA) = expand(clampedKey: k)
            return a.withUnsafeBytes { scalar in z.withUnsafeBytes { sign(message, clampedKey: k, scalar: scalar, publicA: publicA, z: $0) } }
        }
    }

    /// Deterministic core (Z given), exposed to the package for known-answer tests.
    package static func sign(_ message: UnsafeRawBufferPointer, clampedKey k: UnsafeRawBufferPointer, z: [UInt8]) -> [UInt8] {
        let (a, publicA) = expand(clampedKey: k)
        return a.withUnsafeBytes { scalar in z.withUnsafeBytes { sign(message, clampedKey: k, scalar: scalar, publicA: publicA, z: $0) } }
    }

    /// `a = k mod L` and `A = a·B`: the part of signing that depends only on the key.
    static func expand(clampedKey k: UnsafeRawBufferPointer) -> (scalar: SecretBytes, publicA: [UInt8]) {
        Sodium.ensureReady()
        precondition(k.count == 32)
        var wide = [UInt8](repeating: 0, count: 64)
        defer { sodium_memzero(&wide, 64) }
        for i in 0..<32 { wide[i] = k[i] }
        let a = SecretBytes(count: 32) { crypto_core_ed25519_scalar_reduce($0.baseAddress!.assumingMemoryBound(to: UInt8.self), wide) }
        var publicA = [UInt8](repeating: 0, count: 32)
        a.withUnsafeBytes { _ = crypto_scalarmult_ed25519_base_noclamp(&publicA, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return (a, publicA)
    }

    static func sign(
        _ message: UnsafeRawBufferPointer, clampedKey k: UnsafeRawBufferPointer, scalar a: UnsafeRawBufferPointer,
        publicA: [UInt8], z: UnsafeRawBufferPointer
    ) -> [UInt8] {
        precondition(k.count == 32 && a.count == 32 && z.count == 64 && publicA.count == 32)
        let signBit = publicA[31] & 0x80

        // r = SHA-512(0xFE ‖ 0xFF×31 ‖ k ‖ M ‖ Z) mod L; R = r·B.
        var nonceHash = SHA512Hash()
        var prefix = [UInt8](repeating: 0xFF, count: 32)
        prefix[0] = 0xFE
        nonceHash.update(prefix)
        nonceHash.update(k)
        nonceHash.update(message)
        nonceHash.update(z)
        var r64 = nonceHash.finalize()
        var r = [UInt8](repeating: 0, count: 32)
        defer {
            sodium_memzero(&r64, 64)
            sodium_memzero(&r, 32)
        }
        crypto_core_ed25519_scalar_reduce(&r, r64)
        var signature = [UInt8](repeating: 0, count: 64)
        _ = crypto_scalarmult_ed25519_base_noclamp(&signature, r)

        // h = SHA-512(R ‖ A ‖ M) mod L; s = h·a + r.
        var challenge = SHA512Hash()
        signature.withUnsafeBytes { challenge.update(UnsafeRawBufferPointer(rebasing: $0[0..<32])) }
        challenge.update(publicA)
        challenge.update(message)
        let h64 = challenge.finalize()
        var h = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_reduce(&h, h64)
        var ha = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_mul(&ha, h, a.baseAddress!.assumingMemoryBound(to: UInt8.self))
        var s = [UInt8](repeating: 0, count: 32)
        crypto_core_ed25519_scalar_add(&s, ha, r)
        sodium_memzero(&ha, 32)
        for i in 0..<32 { signature[32 + i] = s[i] }
        signature[63] = (signature[63] & 0x7f) | signBit
        return signature
    }

    /// libsignal's verification rule (see the type comment), with Ed25519's strict checks on top:
    /// canonical s < L and R, no small-order A or R (libsodium's verifier).
    static func verify(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer, u: Bytes32) -> Bool {
        Sodium.ensureReady()
        guard signature.count == signatureCount else { return false }
        guard var a = EdwardsForm.y(forU: u) else { return false }
        let signBit = signature[63] & 0x80
        var sig = [UInt8](signature)
        sig[63] &= 0x7f
        guard sig[63] & 0xe0 == 0 else { return false }
        withUnsafeMutableBytes(of: &a.words) { $0[31] |= signBit }
        return a.withUnsafeBytes { edwardsKey in
            Ed25519.verify(sig, message: message, edwardsPublicKey: edwardsKey)
        }
    }
}

extension ECPrivateKey {
    /// An XEdDSA signature (libsignal variant) over `message`. For a key that signs often, an
    /// `XEdDSASigningKey` saves one base-point multiplication per signature.
    public func signature<D: DataProtocol>(for message: D, using entropy: some EntropySource = SystemEntropy()) -> [UInt8] {
        withContiguous(message) { XEdDSA.sign($0, with: secret, entropy: entropy) }
    }
}

extension ECPublicKey {
    /// Whether `signature` is a valid XEdDSA signature by this key over `message` (libsignal rule).
    public func isValidSignature<S: DataProtocol, D: DataProtocol>(_ signature: S, for message: D) -> Bool {
        withContiguous(signature) { sig in withContiguous(message) { XEdDSA.verify(sig, for: $0, u: u) } }
    }
}
