import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// libsodium-calling file.

/// Plain Ed25519 verification (libsodium), the last step of XEdDSA verification; checked against
/// Wycheproof's Ed25519 file.
package enum Ed25519 {
    package static func verify(
        _ signature: [UInt8], message: UnsafeRawBufferPointer, edwardsPublicKey: UnsafeRawBufferPointer
    ) -> Bool {
        Sodium.ensureReady()
        guard signature.count == 64, edwardsPublicKey.count == 32 else { return false }
        let m = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let empty: [UInt8] = [0]
        return empty.withUnsafeBufferPointer { fallback in
            crypto_sign_ed25519_verify_detached(
                signature, m ?? fallback.baseAddress!, UInt64(message.count),
                edwardsPublicKey.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
        }
    }
}
