/// Signal's padding of message content before encryption (SPEC §12.2): `content ‖ 0x80 ‖ 0x00…` up to one
/// byte short of a multiple of `bucketCount`, so a ciphertext's length tells an observer only the bucket.
/// Unpadding is strict: a missing terminator, a non-zero byte after it, or a length that is not the
/// bucket of the content is `invalidPadding` (Signal's own receiver is lenient; a strict one gives
/// no two paddings of one content).
public enum ContentPadding {
    /// libsignal-service's bucket: 160 bytes.
    public static let bucketCount = 160
    /// The byte after the content.
    public static let terminator: UInt8 = 0x80

    /// The padded length of `count` content bytes: `ceil((count + 2) / 160) · 160 − 1`.
    public static func paddedCount(forContentCount count: Int) -> Int {
        ((count + 2 + bucketCount - 1) / bucketCount) * bucketCount - 1
    }

    /// `content ‖ 0x80 ‖ zeros`, `paddedCount(forContentCount:)` bytes.
    public static func pad(_ content: [UInt8]) -> [UInt8] {
        var padded = content
        padded.reserveCapacity(paddedCount(forContentCount: content.count))
        padded.append(terminator)
        padded.append(contentsOf: repeatElement(0, count: paddedCount(forContentCount: content.count) - content.count - 1))
        return padded
    }

    /// The content of `padded`, checked strictly.
    public static func unpad(_ padded: [UInt8]) throws(EnvelopeError) -> [UInt8] {
        guard let end = padded.lastIndex(where: { $0 != 0 }) else {
            throw EnvelopeError(.invalidPadding, "padded content of \(padded.count) bytes has no 0x80 terminator")
        }
        guard padded[end] == terminator else {
            throw EnvelopeError(.invalidPadding, "the last non-zero byte (at \(end)) is not the 0x80 terminator")
        }
        guard padded.count == paddedCount(forContentCount: end) else {
            throw EnvelopeError(.invalidPadding, "\(padded.count) padded bytes for \(end) bytes of content; the bucket is \(paddedCount(forContentCount: end))")
        }
        return Array(padded[..<end])
    }
}
