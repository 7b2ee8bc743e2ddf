import CSodium
import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Curve25519 private key: 32 bytes, clamped on creation *and* on deserialisation, as libsignal does
/// (an unclamped legacy key gives a different XEdDSA signature otherwise).
///
/// X25519 runs on swift-crypto (BoringSSL), measured faster than libsodium here; the swift-crypto key
/// object is built once with the key so that agreement does not re-derive the public key each time.
/// A key restored from a record beside its stored public key skips that object (building it derives
/// the public key, ~9.5 µs): its rare agreement (one per DH ratchet step) runs on libsodium instead.
public struct ECPrivateKey: Sendable {
    /// Length of `rawRepresentation`, the clamped scalar.
    public static let rawCount = 32

    let secret: SecretBytes
    let agreementKey: Curve25519.KeyAgreement.PrivateKey?

    /// Any 32 bytes; they are clamped. Any other length is `invalidLength`.
    public init<Bytes: ContiguousBytes>(rawRepresentation: Bytes) throws(CryptoError) {
        let count = rawRepresentation.withUnsafeBytes { $0.count }
        guard count == Self.rawCount else {
            throw CryptoError(.invalidLength, "Curve25519 private key must be 32 bytes, got \(count)")
        }
        let clamped = SecretBytes(count: 32) { target in
            rawRepresentation.withUnsafeBytes { target.copyMemory(from: $0) }
            target[0] &= 248
            target[31] &= 127
            target[31] |= 64
        }
        self.init(clamped: clamped)
    }

    init(clamped: SecretBytes) {
        secret = clamped
        agreementKey = clamped.withUnsafeBytes {
            // 32 bytes were checked above; swift-crypto only fails on a wrong length.
            try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: $0)
        }
    }

    /// A key read back from a record that also stores its public key (`ECKeyPair(privateKey:storedPublicKey:)`):
    /// clamped, but without the swift-crypto object, so no public key is derived.
    package init<Bytes: ContiguousBytes>(restoring rawRepresentation: Bytes) throws(CryptoError) {
        let count = rawRepresentation.withUnsafeBytes { $0.count }
        guard count == Self.rawCount else {
            throw CryptoError(.invalidLength, "Curve25519 private key must be 32 bytes, got \(count)")
        }
        secret = SecretBytes(count: 32) { target in
            rawRepresentation.withUnsafeBytes { target.copyMemory(from: $0) }
            target[0] &= 248
            target[31] &= 127
            target[31] |= 64
        }
        agreementKey = nil
    }

    /// `init(restoring:)` from raw memory (a record field being scanned), without the generic detour.
    package init(restoring raw: UnsafeRawBufferPointer) throws(CryptoError) {
        guard raw.count == Self.rawCount else {
            throw CryptoError(.invalidLength, "Curve25519 private key must be 32 bytes, got \(raw.count)")
        }
        secret = SecretBytes(count: 32) { target in
            target.copyMemory(from: raw)
            target[0] &= 248
            target[31] &= 127
            target[31] |= 64
        }
        agreementKey = nil
    }

    /// A fresh key from `entropy`.
    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> ECPrivateKey {
        let raw = SecretBytes(randomCount: 32, using: entropy)
        return raw.withUnsafeBytes { try! ECPrivateKey(rawRepresentation: $0) }
    }

    /// The clamped scalar. Secret: keep it in the returned container.
    public var rawRepresentation: SecretBytes { secret }

    /// The matching public key, derived once when the key was created; each access copies 32 bytes.
    public var publicKey: ECPublicKey {
        if let agreementKey {
            return agreementKey.publicKey.rawRepresentation.withUnsafeBytes { ECPublicKey(u: Bytes32($0)) }
        }
        var u = [UInt8](repeating: 0, count: 32)
        secret.withUnsafeBytes { _ = crypto_scalarmult_base(&u, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return u.withUnsafeBytes { ECPublicKey(u: Bytes32($0)) }
    }

    /// X25519 with `publicKey`. The all-zero result of a low-order peer key is refused, so every
    /// agreement is contributory (libsignal ≥ 0.87.2 does the same).
    public func sharedSecret(with publicKey: ECPublicKey) throws(CryptoError) -> SecretBytes {
        let result: SecretBytes
        if agreementKey == nil {
            var failed = false
            result = SecretBytes(count: 32) { out in
                secret.withUnsafeBytes { scalar in
                    publicKey.u.withUnsafeBytes { point in
                        failed = crypto_scalarmult(out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                   scalar.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                   point.baseAddress!.assumingMemoryBound(to: UInt8.self)) != 0
                    }
                }
            }
            // libsodium refuses the all-zero result itself.
            if failed { throw CryptoError(.nonContributoryKey, "X25519 produced the all-zero secret (low-order public key)") }
            return result
        }
        do {
            let peer = try publicKey.u.withUnsafeBytes { try Curve25519.KeyAgreement.PublicKey(rawRepresentation: $0) }
            let shared = try agreementKey!.sharedSecretFromKeyAgreement(with: peer)
            result = shared.withUnsafeBytes { SecretBytes($0) }
        } catch {
            throw CryptoError(.libraryFailure, "X25519 agreement failed in swift-crypto")
        }
        if result.withUnsafeBytes({ ConstantTime.isZero($0) }) {
            throw CryptoError(.nonContributoryKey, "X25519 produced the all-zero secret (low-order public key)")
        }
        return result
    }
}

extension ECPrivateKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always `ECPrivateKey(redacted)`: the key never reaches logs.
    public var description: String { "ECPrivateKey(redacted)" }
    /// The same redacted text as `description`.
    public var debugDescription: String { description }
    /// An empty mirror, so `dump` and debuggers show no key bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
