#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HKDF-SHA256 (RFC 5869) on top of `HMACKey`. "No salt" means 32 zero bytes, as in libsignal; that keyed
/// state is computed once for the process.
public enum HKDF {
    /// RFC 5869's limit for SHA-256: 255 blocks of 32 bytes.
    public static let maxOutputCount = 255 * 32
    static let zeroSaltKey = HMACKey(rawKey: [UInt8](repeating: 0, count: 32))

    /// Extract-then-expand. `salt == nil` uses the all-zero salt.
    public static func deriveKey<IKM: ContiguousBytes, Info: DataProtocol>(
        inputKeyMaterial: IKM, salt: [UInt8]? = nil, info: Info, outputByteCount: Int
    ) throws(CryptoError) -> SecretBytes {
        guard outputByteCount > 0, outputByteCount <= maxOutputCount else {
            throw CryptoError(.invalidOutputLength, "HKDF output must be 1...\(maxOutputCount) bytes, asked \(outputByteCount)")
        }
        let extractor = salt.map { HMACKey(rawKey: $0) } ?? zeroSaltKey
        return inputKeyMaterial.withUnsafeBytes { ikm in
            let prk = SecretBytes(count: 32) { extractor.mac(ikm, into: $0) }
            return expand(pseudorandomKey: HMACKey(prk), info: info, outputByteCount: outputByteCount)
        }
    }

    /// HKDF with a secret salt (the root key of a ratchet step).
    public static func deriveKey<IKM: ContiguousBytes, Info: DataProtocol>(
        inputKeyMaterial: IKM, salt: SecretBytes, info: Info, outputByteCount: Int
    ) throws(CryptoError) -> SecretBytes {
        guard outputByteCount > 0, outputByteCount <= maxOutputCount else {
            throw CryptoError(.invalidOutputLength, "HKDF output must be 1...\(maxOutputCount) bytes, asked \(outputByteCount)")
        }
        let extractor = HMACKey(salt)
        return inputKeyMaterial.withUnsafeBytes { ikm in
            let prk = SecretBytes(count: 32) { extractor.mac(ikm, into: $0) }
            return expand(pseudorandomKey: HMACKey(prk), info: info, outputByteCount: outputByteCount)
        }
    }

    /// For protocol code whose output length is a constant within range: the same KDF with no error
    /// path to handle. `salt == nil` is the all-zero salt.
    package static func derive(
        _ inputKeyMaterial: some ContiguousBytes, salt: SecretBytes? = nil, info: [UInt8], count: Int
    ) -> SecretBytes {
        precondition(count > 0 && count <= maxOutputCount)
        let extractor = salt.map { HMACKey($0) } ?? zeroSaltKey
        return inputKeyMaterial.withUnsafeBytes { ikm in
            let prk = SecretBytes(count: 32) { extractor.mac(ikm, into: $0) }
            return expand(pseudorandomKey: HMACKey(prk), info: info, outputByteCount: count)
        }
    }

    /// HKDF into `output` with every keyed state and the PRK on the stack, all wiped before returning:
    /// the per-message key derivation, with no allocation. `salt == nil` is the all-zero salt.
    @_spi(Hazmat)
    public static func derive(
        _ inputKeyMaterial: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer? = nil, info: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) {
        precondition(output.count > 0 && output.count <= maxOutputCount)
        var prk = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &prk) { prkBytes in
            if let salt {
                HMACState.withKey(salt) { $0.mac(inputKeyMaterial, into: prkBytes) }
            } else {
                zeroSaltKey.mac(inputKeyMaterial, into: prkBytes)
            }
            HMACState.withKey(UnsafeRawBufferPointer(prkBytes)) { expand($0, info: info, into: output) }
            prkBytes.initializeMemory(as: UInt8.self, repeating: 0)
        }
    }

    /// HKDF-Expand: T(i) = HMAC(PRK, T(i−1) ‖ info ‖ i), counter from 1.
    static func expand<Info: DataProtocol>(pseudorandomKey prk: HMACKey, info: Info, outputByteCount: Int) -> SecretBytes {
        withContiguous(info) { infoBytes in
            SecretBytes(count: outputByteCount) { out in expand(prk.keyedState, info: infoBytes, into: out) }
        }
    }

    static func expand(_ prk: HMACState, info: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        var block = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &block) { blockBytes in
            var written = 0
            var counter: UInt8 = 1
            while written < out.count {
                let previous = UnsafeRawBufferPointer(rebasing: blockBytes[0..<(written == 0 ? 0 : 32)])
                withUnsafeBytes(of: counter) { prk.mac(previous, info, $0, into: blockBytes) }
                let take = Swift.min(32, out.count - written)
                (out.baseAddress! + written).copyMemory(from: blockBytes.baseAddress!, byteCount: take)
                written += take
                counter &+= 1
            }
            blockBytes.initializeMemory(as: UInt8.self, repeating: 0)
        }
    }
}
