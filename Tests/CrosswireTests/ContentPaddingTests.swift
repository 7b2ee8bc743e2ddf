import Crosswire
import Testing

@Suite("Content padding")
struct ContentPaddingTests {
    @Test("lengths follow Signal's 160-byte buckets", arguments: [(0, 159), (1, 159), (157, 159), (158, 159), (159, 319), (318, 319), (319, 479)])
    func buckets(content: Int, padded: Int) throws {
        let bytes = [UInt8](repeating: 0x41, count: content)
        let result = ContentPadding.pad(bytes)
        #expect(result.count == padded)
        #expect(result[content] == 0x80 && result[(content + 1)...].allSatisfy { $0 == 0 })
        #expect(try ContentPadding.unpad(result) == bytes)
    }

    @Test("content ending in zeros or 0x80 bytes round-trips")
    func awkwardContent() throws {
        for content in [[UInt8](repeating: 0, count: 10), [0x80, 0x80], [0x80, 0x00, 0x00]] {
            #expect(try ContentPadding.unpad(ContentPadding.pad(content)) == content)
        }
    }

    @Test("a malformed pad is invalidPadding")
    func strict() {
        let good = ContentPadding.pad(Array("hello".utf8))
        var noTerminator = good
        noTerminator[5] = 0x81
        var shorter = good
        shorter.removeLast()
        for bad in [[UInt8](), [UInt8](repeating: 0, count: 159), noTerminator, shorter, good + [0], Array("hello".utf8) + [0x80]] {
            #expect(throws: EnvelopeError(.invalidPadding, "")) { try ContentPadding.unpad(bad) }
        }
    }
}
