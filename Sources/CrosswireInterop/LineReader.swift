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
    /// One read's worth of input, reused.
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)
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
            // One read(2) returns what the pipe holds now (a request), not a full-size block. Foundation's
            // `availableData` traps on EINTR, which a SIGCHLD from any child process of ours can cause.
            let count = Self.readRetryingInterrupts(input.fileDescriptor, into: &chunk)
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else {
                atEnd = true
            }
        }
    }

    /// `read(2)` into `buffer`, retried when a signal interrupts it; 0 at end of input or on an error.
    static func readRetryingInterrupts(_ descriptor: Int32, into buffer: inout [UInt8]) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return count }
            if errno != EINTR { return 0 }
        }
    }
}
