@_spi(Hazmat) import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// `Vectors/attachments.json` (SPEC §14): Signal's padding buckets, Signal blobs and WhatsApp media
/// blobs of every type, and refusals each naming the `AttachmentError` code, every key, IV and
/// plaintext from `SeededEntropy`. No peer here reads these formats: the tests re-derive every case
/// with Python's `cryptography` (scripts/checks/attachments.py).
enum AttachmentVectors {
    static let header = [
        "Signal blob = IV(16) ‖ AES-256-CBC-PKCS7(plaintext ‖ zeros to paddedSize) ‖ HMAC-SHA256(key[32..64], IV ‖ ct); digest = SHA-256(blob).",
        "WhatsApp: HKDF-SHA256(salt none, mediaKey, info) → IV ‖ cipherKey ‖ macKey ‖ refKey; blob = ct ‖ HMAC(macKey, IV ‖ ct)[0..10]; fileEncSha256 = SHA-256(blob), fileSha256 = SHA-256(plaintext).",
        "Keys: SeededEntropy(seed) 64 or 32 bytes; Signal IV: the first 16 bytes of SeededEntropy(seed + 1000); plaintext: SeededEntropy(seed + 2000).",
    ]

    static let paddingSizes = [0, 1, 2, 100, 540, 541, 542, 568, 569, 570, 600, 1000, 1024, 4096, 10_000, 65_536, 100_000,
                               1 << 20, 5_000_000, 10_000_000, 123_456_789, 1 << 30]
    static let signalSizes = [0, 1, 15, 16, 17, 541, 542, 1000, 5000]
    static let whatsAppSizes: [(WhatsAppMediaType, Int)] = [(.image, 1000), (.video, 4096), (.audio, 17), (.document, 0), (.history, 100),
                                                            (.appState, 15), (.stickerPack, 16), (.linkThumbnail, 333), (.image, 1)]

    static func entropy(_ seed: Int) -> SeededEntropy { SeededEntropy(seed: UInt64(seed)) }

    static func plaintext(seed: Int, count: Int) -> [UInt8] { count == 0 ? [] : entropy(seed + 2000).bytes(count) }

    static func generate() throws -> [String: Any] {
        let padding: [[String: Any]] = paddingSizes.map { size in
            ["comment": "\(size) bytes", "result": "valid", "size": size, "paddedSize": AttachmentPadding.paddedCount(for: size)]
        }
        var signal: [[String: Any]] = [], whatsApp: [[String: Any]] = []
        for (index, size) in signalSizes.enumerated() {
            let seed = 100 + index
            let key = try AttachmentKey(rawRepresentation: entropy(seed).bytes(64), format: .signal)
            let input = plaintext(seed: seed, count: size)
            let (blob, attachment) = try AttachmentCipher.encrypt(input, with: key, using: entropy(seed + 1000))
            signal.append(["comment": "\(size)-byte plaintext", "result": "valid", "seed": seed, "key": Hex.encode(key.rawRepresentation.unprotectedBytes),
                           "iv": Hex.encode(Array(blob[0..<16])), "plaintext": Hex.encode(input), "size": size, "paddedSize": attachment.paddedSize,
                           "blob": Hex.encode(blob), "digest": Hex.encode(attachment.digest)])
        }
        signal += try refusals(signal[7], format: "signal")
        for (index, (type, size)) in whatsAppSizes.enumerated() {
            let seed = 200 + index
            let key = try AttachmentKey(rawRepresentation: entropy(seed).bytes(32), format: .whatsApp(type))
            let input = plaintext(seed: seed, count: size)
            let (blob, attachment) = try AttachmentCipher.encrypt(input, with: key)
            whatsApp.append(["comment": "\(type), \(size) bytes", "result": "valid", "seed": seed, "mediaType": type.description,
                             "mediaKey": Hex.encode(key.rawRepresentation.unprotectedBytes), "expandedKey": Hex.encode(key.expandedMediaKey!.unprotectedBytes),
                             "plaintext": Hex.encode(input), "size": size, "blob": Hex.encode(blob),
                             "fileEncSha256": Hex.encode(attachment.digest), "fileSha256": Hex.encode(attachment.plaintextDigest!)])
        }
        whatsApp += try refusals(whatsApp[0], format: "whatsapp")
        let pointers: [[String: Any]] = try [(signal[8], nil as WhatsAppMediaType?, "image/jpeg", "photo.jpg"), (whatsApp[1], .video, "video/mp4", nil),
                                              (whatsApp[3], .document, "application/pdf", "report.pdf")].map { test, type, mime, name in
            let format: AttachmentFormat = type.map { .whatsApp($0) } ?? .signal
            let key = try AttachmentKey(rawRepresentation: try Hex.decode(test[type == nil ? "key" : "mediaKey"] as! String), format: format)
            let digest = try Hex.decode(test[type == nil ? "digest" : "fileEncSha256"] as! String)
            let plaintextDigest = try (test["fileSha256"] as? String).map { try Hex.decode($0) }
            let pointer = try AttachmentPointer(key: key, digest: digest, plaintextDigest: plaintextDigest, size: test["size"] as! Int,
                                                contentType: mime, blobID: "media/" + Hex.encode(digest.prefix(12)), fileName: name)
            var fields: [String: Any] = ["comment": "\(format) pointer", "result": "valid", "format": type == nil ? 1 : 2, "key": Hex.encode(key.rawRepresentation.unprotectedBytes),
                                         "digest": Hex.encode(digest), "size": pointer.size, "contentType": mime, "blobId": pointer.blobID,
                                         "pointer": Hex.encode(pointer.serialized)]
            if let type { fields["mediaType"] = WhatsAppMediaType.allCases.firstIndex(of: type)! + 1 }
            if let plaintextDigest { fields["plaintextDigest"] = Hex.encode(plaintextDigest) }
            if let name { fields["fileName"] = name }
            return fields
        }
        return VectorSuite.file(algorithm: "Attachments: Signal's and WhatsApp's media formats", header: header,
                                groups: [("SignalAttachmentPadding", padding), ("SignalAttachment", signal), ("WhatsAppMedia", whatsApp), ("AttachmentPointer", pointers)])
    }

    /// Refusals derived from a valid case: each changes one thing and names the code it must raise.
    static func refusals(_ base: [String: Any], format: String) throws -> [[String: Any]] {
        let blob = try Hex.decode(base["blob"] as! String)
        let digestName = format == "signal" ? "digest" : "fileEncSha256"
        let keyName = format == "signal" ? "key" : "mediaKey"
        func variant(_ comment: String, _ error: String, _ change: (inout [String: Any]) throws -> Void) rethrows -> [String: Any] {
            var test = base
            test["comment"] = comment
            test["result"] = "invalid"
            test["error"] = error
            try change(&test)
            return test
        }
        func flipped(_ offset: Int) -> [UInt8] {
            var copy = blob
            copy[offset] ^= 0x01
            return copy
        }
        func redigested(_ bytes: [UInt8], _ test: inout [String: Any]) {
            test["blob"] = Hex.encode(bytes)
            test[digestName] = Hex.encode(SHA256Hash.hash(bytes))
        }
        let macCount = format == "signal" ? 32 : 10
        var cases = [
            variant("first blob byte flipped, digest unchanged", "digestMismatch") { $0["blob"] = Hex.encode(flipped(0)) },
            variant("a ciphertext byte flipped, digest recomputed over the forged blob", "authenticationFailed") { redigested(flipped(blob.count / 2), &$0) },
            variant("the last MAC byte flipped, digest recomputed", "authenticationFailed") { redigested(flipped(blob.count - 1), &$0) },
            variant("one byte cut off the end, digest recomputed", "truncated") { redigested(Array(blob.dropLast()), &$0) },
            variant("one block cut from before the MAC, digest recomputed", "authenticationFailed") {
                redigested(Array(blob[0..<(blob.count - macCount - 16)] + blob[(blob.count - macCount)...]), &$0)
            },
            variant("the empty blob", "truncated") { redigested([], &$0) },
            variant("another digest", "digestMismatch") { $0[digestName] = Hex.encode(SHA256Hash.hash([1, 2, 3])) },
            try variant("another key of the right length (for Signal, its MAC half)", "authenticationFailed") { test in
                var key = try Hex.decode(test[keyName] as! String)
                key[key.count - 1] ^= 0x80
                test[keyName] = Hex.encode(key)
            },
        ]
        // Signal's blob does not authenticate the size: one inside the zero padding is indistinguishable
        // from the real one, so only a size past the padded plaintext is refused.
        cases.append(variant("a size past the whole (padded) plaintext", "sizeMismatch") {
            $0["size"] = format == "signal" ? ($0["paddedSize"] as! Int) + 1 : ($0["size"] as! Int) + 1
        })
        if format == "signal" {
            cases.append(variant("a size one byte smaller: a data byte where only zero padding may follow", "sizeMismatch") { test in
                let plaintext = try! Hex.decode(test["plaintext"] as! String)
                precondition(plaintext.last != 0)
                test["size"] = plaintext.count - 1
            })
            cases.append(try variant("a well-MACed blob whose CBC padding is malformed", "invalidPadding") { test in
                let key = try Hex.decode(test["key"] as! String), iv = Array(blob[0..<16])
                // Two blocks whose decryption ends in 0x00: AES-CBC of 48 bytes with the padding block dropped.
                let full = try AES256CBC.encrypt([UInt8](repeating: 0, count: 32), key: SecretBytes(Array(key[0..<32])), iv: iv)
                let body = iv + full[0..<32]
                let tag = HMACKey(rawKey: Array(key[32..<64])).authenticationCode(for: body)
                redigested(body + tag, &test)
            })
        } else {
            cases.append(variant("the media key expanded for another type (video instead of image)", "authenticationFailed") { $0["mediaType"] = "video" })
            cases.append(variant("another fileSha256", "plaintextDigestMismatch") { $0["fileSha256"] = Hex.encode(SHA256Hash.hash([9])) })
            cases.append(variant("a size one byte smaller", "sizeMismatch") { $0["size"] = ($0["size"] as! Int) - 1 })
        }
        return cases
    }

    static func reference(_ test: VectorFile.Case, signal: Bool) throws -> AttachmentReference {
        if signal {
            let key = try AttachmentKey(rawRepresentation: try test.bytes("key"), format: .signal)
            return try AttachmentReference(key: key, digest: try test.bytes("digest"), size: test.integers["size"])
        }
        guard let type = WhatsAppMediaType(name: test.strings["mediaType"] ?? "") else { throw VectorFileError("unknown media type") }
        let key = try AttachmentKey(rawRepresentation: try test.bytes("mediaKey"), format: .whatsApp(type))
        return try AttachmentReference(key: key, digest: try test.bytes("fileEncSha256"), plaintextDigest: try test.bytes("fileSha256"),
                                       size: test.integers["size"])
    }

    static func verify(_ test: VectorFile.Case, type: String) throws -> String? {
        switch type {
        case "SignalAttachmentPadding":
            let got = AttachmentPadding.paddedCount(for: test.integers["size"] ?? -1)
            return got == test.integers["paddedSize"] ? nil : "padded to \(got)"
        case "SignalAttachment", "WhatsAppMedia":
            let signal = type == "SignalAttachment"
            let reference = try reference(test, signal: signal)
            let blob = try test.bytes("blob")
            if test.expectation == .invalid {
                do {
                    _ = try AttachmentCipher.decrypt(blob, expecting: reference)
                    return "accepted"
                } catch {
                    return error.code.rawValue == test.strings["error"] ? nil : "refused with \(error.code), expected \(test.strings["error"] ?? "?")"
                }
            }
            let plaintext = try test.bytes("plaintext")
            if try AttachmentCipher.decrypt(blob, expecting: reference) != plaintext { return "decrypts to other bytes" }
            guard let seed = test.integers["seed"] else { return "no seed" }
            let (again, attachment) = try AttachmentCipher.encrypt(plaintext, with: reference.key, using: entropy(seed + 1000))
            if again != blob { return "encrypting again gives other bytes" }
            if attachment.digest != reference.digest || attachment.plaintextDigest != reference.plaintextDigest { return "digests differ" }
            if signal, attachment.paddedSize != test.integers["paddedSize"] { return "padded size differs" }
            if !signal, Hex.encode(reference.key.expandedMediaKey!.unprotectedBytes) != test.strings["expandedKey"] { return "HKDF expansion differs" }
            return nil
        case "AttachmentPointer":
            let bytes = try test.bytes("pointer")
            let pointer = try AttachmentPointer(serialized: bytes)
            if pointer.serialized != bytes { return "re-encodes to other bytes" }
            if Hex.encode(pointer.key.rawRepresentation.unprotectedBytes) != test.strings["key"] || Hex.encode(pointer.digest) != test.strings["digest"]
                || pointer.size != test.integers["size"] || pointer.contentType != test.strings["contentType"] || pointer.blobID != test.strings["blobId"]
                || pointer.fileName != test.strings["fileName"] || pointer.plaintextDigest.map(Hex.encode) != test.strings["plaintextDigest"] {
                return "decodes to other fields"
            }
            return nil
        default:
            return "no checker for \(type)"
        }
    }
}
