#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A private key prepared for repeated XEdDSA signing: `a = k mod L` and the Edwards key `A = a·B` are
/// computed once, so each signature costs one base-point multiplication instead of two (a sender key
/// signs every group message).
public struct XEdDSASigningKey: Sendable {
    let clamped: SecretBytes
    let scalar: SecretBytes
    let publicA: [UInt8]

    /// Does the key-only half of signing now. Secret: holds the clamped key and `a`.
    public init(_ privateKey: ECPrivateKey) {
        clamped = privateKey.secret
        (scalar, publicA) = clamped.withUnsafeBytes { XEdDSA.expand(clampedKey: $0) }
    }

    /// The same signature `ECPrivateKey.signature(for:using:)` would give for the same randomness.
    public func signature<D: DataProtocol>(for message: D, using entropy: some EntropySource = SystemEntropy()) -> [UInt8] {
        let z = SecretBytes(randomCount: 64, using: entropy)
        return withContiguous(message) { m in
            clamped.withUnsafeBytes { k in
                scalar.withUnsafeBytes { a in z.withUnsafeBytes { XEdDSA.sign(m, clampedKey: k, scalar: a, publicA: publicA, z: $0) } }
            }
        }
    }
}

extension XEdDSASigningKey: CustomStringConvertible {
    /// Always redacted.
    public var description: String { "XEdDSASigningKey(redacted)" }
}
