import Foundation

/// Reads newline-terminated lines from a file handle with a bound on their length: a longer line is
/// reported as `tooLong` and skipped up to its newline without ever being held in memory whole.
struct LineReader {
    enum Line {
        case line([UInt8])
        case tooLong
    }

    private let input: FileHandle
    private let limit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the newline search resumes: bytes before it were already searched (keeps reading linear).
    private var scanned = 0
    private var atEnd = false

    init(_ input: FileHandle, limit: Int) {
        self.input = input
        self.limit = limit
    }

    /// The next line without its newline (a final line may lack one), or `nil` at end of input.
    mutating func next() -> Line? {
        var skipping = false
        while true {
            if let newline = buffer[max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                scanned = start
                if skipping || line.count > limit { return .tooLong }
                return .line(line)
            }
            scanned = buffer.count
            if buffer.count - start > limit {
                // No newline within the limit: drop what is held and skip to the next newline.
                skipping = true
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            if atEnd {
                guard start < buffer.count || skipping else { return nil }
                let rest = Array(buffer[start...])
                buffer.removeAll()
                (start, scanned) = (0, 0)
                return skipping ? .tooLong : .line(rest)
            }
            if start > 0 {
                buffer.removeFirst(start)
                scanned -= start
                start = 0
            }
            // `availableData` returns what the pipe holds now (a request), not a full-size block.
            let chunk = input.availableData
            if !chunk.isEmpty {
                buffer.append(contentsOf: chunk)
            } else {
                atEnd = true
            }
        }
    }
}
