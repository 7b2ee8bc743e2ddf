@_spi(Hazmat) import CrosswireCrypto
import CrosswireInterop
import Foundation
import Testing

/// The interop server's own limits (SPEC.md §7).
@Suite("Interop server limits")
struct InteropServerTests {
    @Test("a line over the limit gets an error answer without being parsed, and the server keeps serving")
    func oversizedLine() async throws {
        let server = InteropServer(entropy: SeededEntropy(seed: 370))
        let long = "{\"id\":1,\"op\":\"info\",\"pad\":\"" + String(repeating: "a", count: InteropServer.maxLineBytes) + "\"}"
        let (answer, stop) = await server.handle(line: long)
        #expect(!stop)
        #expect(answer.contains("\"ok\":false"))
        #expect(answer.contains("longer than \(InteropServer.maxLineBytes) bytes"), "got \(answer.prefix(200))")

        // Over a stream: the oversized line is skipped up to its newline, the next request is answered.
        let input = Pipe(), output = Pipe()
        // A thread of its own: a write that blocks on a full pipe must not hold a cooperative-pool thread.
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            input.fileHandleForWriting.write(Data((long + "\n" + #"{"id":2,"op":"info"}"# + "\n").utf8))
            try? input.fileHandleForWriting.close()
            written.signal()
        }
        await server.run(input: input.fileHandleForReading, output: output.fileHandleForWriting)
        written.wait()
        try output.fileHandleForWriting.close()
        let lines = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("longer than") == true)
        #expect(lines.last?.contains("\"ok\":true") == true)
        #expect(lines.last?.contains("\"id\":2") == true)
    }
}
