
import Testing
@_spi(Hazmat) @testable import CrosswireCrypto

@Suite("Secret storage")
struct SecretBytesTests {
    @Test("descriptions, debug descriptions and mirrors never show the bytes")
    func redaction() {
        let secret = SecretBytes([UInt8](repeating: 0xAB, count: 32))
        let texts = [String(describing: secret), String(reflecting: secret), "\(secret)"]
        var dumped = ""
        dump(secret, to: &dumped)
        for text in texts + [dumped] {
            #expect(!text.lowercased().contains("ab"))
            #expect(!text.contains("171"))  // 0xAB in decimal
        }
        #expect(String(describing: secret) == "SecretBytes(32 bytes, redacted)")
        #expect(Mirror(reflecting: secret).children.isEmpty)
        let key = try! ECPrivateKey(rawRepresentation: [UInt8](repeating: 0xAB, count: 32))
        #expect(String(describing: key) == "ECPrivateKey(redacted)")
        #expect(Mirror(reflecting: key).children.isEmpty)
    }

    @Test("the buffer is zeroed when the last copy is released")
    func zeroization() {
        let seen = Locked<[[UInt8]]>([])
        SecretBytes.releaseObserver.withLock { $0 = { bytes in seen.withLock { $0.append(Array(bytes)) } } }
        defer { SecretBytes.releaseObserver.withLock { $0 = nil } }
        do {
            let secret = SecretBytes([UInt8](repeating: 0x5A, count: 48))
            let copy = secret
            #expect(copy.count == 48)
        }
        let released = seen.withLock { $0 }.filter { $0.count == 48 }
        #expect(!released.isEmpty)
        #expect(released.allSatisfy { buffer in buffer.allSatisfy { $0 == 0 } })
    }

    @Test("overwrite rewrites a buffer only this copy holds, and never a shared one")
    func overwrite() {
        var a = SecretBytes([UInt8](repeating: 1, count: 32))
        let before = a.withUnsafeBytes { $0.baseAddress }
        a.overwrite { $0.initializeMemory(as: UInt8.self, repeating: 2) }
        #expect(a.withUnsafeBytes { $0.baseAddress } == before)  // in place
        #expect(a.unprotectedBytes == [UInt8](repeating: 2, count: 32))
        let copy = a
        a.overwrite { $0.initializeMemory(as: UInt8.self, repeating: 3) }
        #expect(copy.unprotectedBytes == [UInt8](repeating: 2, count: 32))
        #expect(a.unprotectedBytes == [UInt8](repeating: 3, count: 32))
        #expect(a.withUnsafeBytes { $0.baseAddress } != copy.withUnsafeBytes { $0.baseAddress })
    }

    @Test("equality compares contents and length")
    func equality() {
        let a = SecretBytes([1, 2, 3] as [UInt8]), b = SecretBytes([1, 2, 3] as [UInt8])
        #expect(a == b)
        #expect(a != SecretBytes([1, 2, 4] as [UInt8]))
        #expect(a != SecretBytes([1, 2] as [UInt8]))
        #expect(a.slice(1..<3) == SecretBytes([2, 3] as [UInt8]))
    }

    @Test("constant-time helpers agree with ordinary comparison")
    func constantTime() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 0] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect([0, 0, 0].withUnsafeBytes { ConstantTime.isZero($0) })
        #expect(![0, 1, 0].withUnsafeBytes { ConstantTime.isZero($0) })
    }
}

@Suite("Entropy")
struct EntropyTests {
    @Test("a seeded source is reproducible and independent of how it is drawn")
    func seededIsDeterministic() {
        let a = SeededEntropy(seed: 7), b = SeededEntropy(seed: 7)
        let whole = a.bytes(200)
        let pieces = b.bytes(13) + b.bytes(64) + b.bytes(1) + b.bytes(122)
        #expect(whole == pieces)
        #expect(SeededEntropy(seed: 8).bytes(200) != whole)
    }

    @Test("the system source does not repeat itself")
    func systemDiffers() {
        let source = SystemEntropy()
        #expect(source.bytes(32) != source.bytes(32))
    }
}
