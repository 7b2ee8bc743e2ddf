#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs `body` over the bytes of `data`, copying only when they are not already contiguous.
@inline(__always)
func withContiguous<D: DataProtocol, R>(_ data: D, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    if let result = try data.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
        return result
    }
    if data.regions.count == 1, let region = data.regions.first {
        return try region.withUnsafeBytes(body)
    }
    return try [UInt8](data).withUnsafeBytes(body)
}
