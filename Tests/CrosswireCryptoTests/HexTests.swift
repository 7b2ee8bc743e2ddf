import Testing
import CrosswireCrypto

@Suite("Hex")
struct HexTests {
    @Test("hex round-trips and refuses odd lengths and non-hex characters")
    func hex() throws {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(try Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(throws: CryptoError(.invalidEncoding, "")) { try Hex.decode("abc") }
        #expect(throws: CryptoError(.invalidEncoding, "")) { try Hex.decode("zz") }
    }
}
