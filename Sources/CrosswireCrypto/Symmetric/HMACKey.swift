import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// OpenSSL-calling file (SHA-256 with SHA-NI).

/// An HMAC-SHA256 key with its inner and outer SHA-256 states already absorbed (RFC 2104: `K ⊕ ipad`,
/// `K ⊕ opad`). Every MAC under the same key then costs two compression calls instead of four, with no
/// allocation: the keyed state is copied onto the stack, used and wiped. For a key that lives for one
/// operation, `HMACState.withKey` skips even the one heap object this type keeps.
public struct HMACKey: Sendable {
    /// Length of a full HMAC-SHA256 tag.
    public static let macCount = 32
    static let blockCount = 64

    /// The keyed state, in a heap object so that copies of a long-lived key share it; wiped on release.
    final class State: @unchecked Sendable {
        var keyed: HMACState
        init(_ keyed: HMACState) { self.keyed = keyed }
        deinit { keyed.wipe() }
    }

    let state: State

    /// Absorbs a secret key; the padded key block is wiped before returning.
    public init(_ key: SecretBytes) {
        self = key.withUnsafeBytes { HMACKey(bytes: $0) }
    }

    /// Keys of any length (longer than 64 bytes are hashed first, as RFC 2104 says).
    public init<Bytes: ContiguousBytes>(rawKey: Bytes) {
        self = rawKey.withUnsafeBytes { HMACKey(bytes: $0) }
    }

    init(bytes key: UnsafeRawBufferPointer) {
        state = State(HMACState(key: key))
    }

    /// The keyed state itself, for code that works on raw pointers.
    @_spi(Hazmat)
    public var keyedState: HMACState { state.keyed }

    /// The MAC of `a ‖ b ‖ c ‖ d`, written to `output` (at least 32 bytes). Up to four parts so that
    /// callers never concatenate into a temporary (a Signal MAC covers two identities and the message).
    /// Hazardous: raw pointers, and `output` receives key material when the MAC is a KDF step.
    @_spi(Hazmat)
    @inline(__always)
    public func mac(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        _ d: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), into output: UnsafeMutableRawBufferPointer
    ) {
        state.keyed.mac(a, b, c, d, into: output)
    }

    /// The full 32-byte tag; tags are public.
    public func authenticationCode<D: DataProtocol>(for data: D) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            withContiguous(data) { mac($0, into: UnsafeMutableRawBufferPointer(buffer)) }
            count = 32
        }
    }

    /// The tag when it is key material (ratchet chain steps): it never leaves a zeroizing container.
    public func secretAuthenticationCode<D: DataProtocol>(for data: D) -> SecretBytes {
        SecretBytes(count: 32) { out in withContiguous(data) { mac($0, into: out) } }
    }

    /// The MAC of a single byte as key material: the ratchet's chain step (`0x01` message-key seed,
    /// `0x02` next chain key) without any intermediate allocation.
    public func secretAuthenticationCode(forByte byte: UInt8) -> SecretBytes {
        SecretBytes(count: 32) { out in withUnsafeBytes(of: byte) { mac($0, into: out) } }
    }

    /// Constant-time check of a possibly truncated tag (libsignal keeps 8 bytes). Tags shorter than
    /// 8 bytes or longer than 32 are refused.
    public func isValidAuthenticationCode<T: DataProtocol, D: DataProtocol>(_ tag: T, for data: D) -> Bool {
        withContiguous(data) { isValidAuthenticationCode(tag, forParts: $0) }
    }

    /// The same check over `a ‖ b ‖ c` without concatenating them (raw pointers, hence Hazmat).
    @_spi(Hazmat)
    public func isValidAuthenticationCode<T: DataProtocol>(
        _ tag: T, forParts a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), _ c: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) -> Bool {
        withContiguous(tag) { state.keyed.isValidAuthenticationCode($0, forParts: a, b, c) }
    }
}

extension HMACKey: CustomStringConvertible {
    /// Always redacted: the keyed state is as good as the key.
    public var description: String { "HMACKey(redacted)" }
}
