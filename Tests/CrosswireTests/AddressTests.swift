import Crosswire
import Testing

@Suite("Cross-app addresses")
struct AddressTests {
    @Test("the three apps are known, others of the same shape are accepted")
    func apps() throws {
        #expect(AppID.known.map(\.rawValue) == ["whatsapp", "messenger", "instagram"])
        let third = try AppID("matrix-bridge2")
        #expect(!third.isKnown && AppID.whatsapp.isKnown)
        #expect(try AppID(String(repeating: "a", count: 32)).rawValue.count == 32)
    }

    @Test("malformed app ids are invalidApp", arguments: ["", "WhatsApp", "1app", "-app", "what sapp", "wh@ts", String(repeating: "a", count: 33), "é"])
    func badApps(text: String) {
        #expect(throws: AddressError(.invalidApp, "")) { try AppID(text) }
    }

    @Test("text forms round-trip byte for byte", arguments: ["messenger:bob", "whatsapp:alice/2", "instagram:A.b_c-9/127", "x:" + String(repeating: "z", count: 64) + "/1"])
    func roundTrip(text: String) throws {
        if text.contains("/") {
            let device = try DeviceAddress(parsing: text)
            #expect(device.description == text)
            #expect(try DeviceAddress(serialized: device.serialized) == device)
            #expect(try DeviceAddress(device.protocolAddress) == device)
        } else {
            let user = try UserAddress(parsing: text)
            #expect(user.description == text)
            #expect(try UserAddress(serialized: user.serialized) == user)
        }
    }

    @Test("users are case-sensitive and app-scoped")
    func distinctUsers() throws {
        let a = try UserAddress(parsing: "messenger:bob"), b = try UserAddress(parsing: "messenger:Bob"), c = try UserAddress(parsing: "whatsapp:bob")
        #expect(Set([a, b, c]).count == 3)
        #expect([c, b, a].sorted() == [b, a, c])
    }

    @Test("a device's libsignal address is (APP:USER, DEVICE)")
    func protocolAddress() throws {
        let device = try DeviceAddress(parsing: "whatsapp:alice/2")
        #expect(device.protocolAddress == ProtocolAddress(name: "whatsapp:alice", deviceID: DeviceID(2)))
        #expect(throws: AddressError(.malformed, "")) { try DeviceAddress(ProtocolAddress(name: "alice", deviceID: DeviceID(2))) }
    }

    @Test("malformed user addresses are typed errors", arguments: [
        ("messenger", AddressError.Code.malformed), ("a:b:c", .malformed), (":bob", .invalidApp), ("messenger:", .invalidUser),
        ("messenger:bo b", .invalidUser), ("messenger:bob/2", .invalidUser), ("messenger:" + String(repeating: "u", count: 65), .invalidUser),
        ("messenger:b\u{f6}b", .invalidUser),
    ])
    func badUsers(text: String, code: AddressError.Code) {
        #expect(throws: AddressError(code, "")) { try UserAddress(parsing: text) }
    }

    @Test("malformed device addresses are typed errors", arguments: [
        ("whatsapp:alice", AddressError.Code.malformed), ("whatsapp:alice/2/3", .malformed), ("whatsapp:alice/0", .invalidDevice),
        ("whatsapp:alice/128", .invalidDevice), ("whatsapp:alice/02", .invalidDevice), ("whatsapp:alice/+2", .invalidDevice),
        ("whatsapp:alice/", .invalidDevice), ("whatsapp:alice/1000", .invalidDevice), ("WhatsApp:alice/2", .invalidApp),
    ])
    func badDevices(text: String, code: AddressError.Code) {
        #expect(throws: AddressError(code, "")) { try DeviceAddress(parsing: text) }
    }

    @Test("the binary form is exact and refuses every truncation, extension and bad part")
    func binary() throws {
        let device = try DeviceAddress(parsing: "whatsapp:alice/2")
        #expect(device.serialized == [1, 8] + Array("whatsapp".utf8) + [5] + Array("alice".utf8) + [2])
        let bytes = device.serialized
        for cut in 0..<bytes.count {
            #expect(throws: AddressError.self) { try DeviceAddress(serialized: bytes[0..<cut]) }
        }
        #expect(throws: AddressError(.invalidEncoding, "")) { try DeviceAddress(serialized: bytes + [0]) }
        #expect(throws: AddressError(.invalidEncoding, "")) { try DeviceAddress(serialized: [2] + bytes.dropFirst()) }
        var badDevice = bytes
        badDevice[badDevice.count - 1] = 200
        #expect(throws: AddressError(.invalidDevice, "")) { try DeviceAddress(serialized: badDevice) }
        var badUser = bytes
        badUser[11] = UInt8(ascii: " ")
        #expect(throws: AddressError(.invalidUser, "")) { try DeviceAddress(serialized: badUser) }
    }
}
