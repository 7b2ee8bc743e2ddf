@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
@testable import Crosswire

/// Secrets stay in wiping containers and out of descriptions.
@Suite("Secret handling")
struct SecretHandlingTests {
    @Test("a distribution message never prints or compares its chain key as plain bytes")
    func distributionChainKey() async throws {
        let (alice, _) = try await establishedPair(seed: 360)
        let cipher = GroupCipher(store: alice.store, localAddress: alice.address, entropy: alice.entropy)
        let message = try await cipher.distributionMessage(for: [UInt8](repeating: 1, count: 16))
        let key: SymmetricKey256 = message.chainKey
        let bytes = key.withUnsafeBytes { Array($0) }
        var dumped = ""
        dump(message, to: &dumped)
        for text in ["\(message)", String(reflecting: message), dumped] {
            #expect(!text.contains(Hex.encode(bytes)) && !text.contains("\(bytes)") && !text.contains("\(bytes[...])"),
                    "the chain key appears in \(text.prefix(300))")
        }
        let decoded = try SenderKeyDistributionMessage(serialized: message.serialized, layout: .legacy)
        #expect(decoded.chainKey == message.chainKey)
    }
}
