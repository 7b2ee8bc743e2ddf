import ArgumentParser
import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// `crosswire attachment encrypt|decrypt`: Signal and WhatsApp blobs, file to file (SPEC §14.4).
struct AttachmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attachment",
        abstract: "Encrypt or decrypt an attachment file in Signal's or WhatsApp's blob format.",
        subcommands: [Encrypt.self, Decrypt.self]
    )

    struct FormatOptions: ParsableArguments {
        @Option(name: .long, help: "signal or whatsapp.")
        var format: String

        @Option(name: .long, help: "WhatsApp media type: image, video, audio, document, history, app-state, sticker-pack, link-thumbnail (default document).")
        var media: String?

        func resolved() throws -> AttachmentFormat {
            switch format {
            case "signal":
                guard media == nil else { throw ValidationError("--media is for --format whatsapp") }
                return .signal
            case "whatsapp":
                guard let type = WhatsAppMediaType(name: media ?? "document") else {
                    throw ValidationError("unknown --media '\(media ?? "")'")
                }
                return .whatsApp(type)
            default:
                throw ValidationError("--format is signal or whatsapp, not '\(format)'")
            }
        }
    }

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt IN to the blob OUT under a fresh key written as hex to --key-out; prints one JSON line."
        )

        @OptionGroup var options: FormatOptions

        @Option(name: .customLong("key-out"), help: "Where to write the new key (hex, mode 0600).")
        var keyOut: String

        @Argument(help: "The plaintext file.")
        var input: String

        @Argument(help: "The blob file to write.")
        var output: String

        func run() throws {
            let format = try options.resolved()
            let key = AttachmentKey(for: format)
            let attachment: EncryptedAttachment
            do {
                attachment = try AttachmentCipher.encryptFile(at: URL(fileURLWithPath: input), to: URL(fileURLWithPath: output), with: key)
            } catch {
                AttachmentCommand.fail("cannot encrypt \(input): \(error)")
            }
            let hex = Hex.encode(key.rawRepresentation.unprotectedBytes) + "\n"
            guard FileManager.default.createFile(atPath: keyOut, contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600]) else {
                try? FileManager.default.removeItem(atPath: output)
                AttachmentCommand.fail("cannot write the key file \(keyOut)")
            }
            switch format {
            case .signal:
                AttachmentCommand.printJSON(["digest": Hex.encode(attachment.digest), "size": attachment.size, "padded_size": attachment.paddedSize])
            case .whatsApp:
                AttachmentCommand.printJSON(["file_sha256": Hex.encode(attachment.plaintextDigest ?? []),
                                             "file_enc_sha256": Hex.encode(attachment.digest), "size": attachment.size])
            }
        }
    }

    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt the blob IN to OUT after checking digest, MAC, size and (WhatsApp) file SHA-256; exit 1 and no OUT on any mismatch."
        )

        @OptionGroup var options: FormatOptions

        @Option(name: .long, help: "The key file (hex).")
        var key: String

        @Option(name: .long, help: "SHA-256 of the blob in hex (Signal's digest, WhatsApp's fileEncSha256).")
        var digest: String

        @Option(name: .customLong("file-sha256"), help: "WhatsApp: SHA-256 of the plaintext in hex (fileSha256); required for whatsapp.")
        var fileSHA256: String?

        @Option(name: .long, help: "The plaintext size; without it a Signal plaintext keeps its zero padding.")
        var size: Int?

        @Argument(help: "The blob file.")
        var input: String

        @Argument(help: "The plaintext file to write.")
        var output: String

        func run() throws {
            let format = try options.resolved()
            if case .whatsApp = format, fileSHA256 == nil { throw ValidationError("--file-sha256 is required for --format whatsapp") }
            if format == .signal, fileSHA256 != nil { throw ValidationError("--file-sha256 is for --format whatsapp") }
            guard let keyText = try? String(contentsOfFile: key, encoding: .utf8),
                  let keyBytes = try? Hex.decode(keyText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                AttachmentCommand.fail("cannot read a hex key from \(key)")
            }
            guard let digestBytes = try? Hex.decode(digest) else { throw ValidationError("--digest is hex") }
            var plainDigest: [UInt8]?
            if let fileSHA256 {
                guard let bytes = try? Hex.decode(fileSHA256) else { throw ValidationError("--file-sha256 is hex") }
                plainDigest = bytes
            }
            do {
                let reference = try AttachmentReference(key: try AttachmentKey(rawRepresentation: keyBytes, format: format), digest: digestBytes,
                                                        plaintextDigest: plainDigest, size: size)
                try AttachmentCipher.decryptFile(at: URL(fileURLWithPath: input), to: URL(fileURLWithPath: output), expecting: reference)
            } catch {
                AttachmentCommand.fail("refused \(input): \(error.code): \(error.reason); \(output) not written")
            }
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("crosswire attachment: \(message)\n".utf8))
        Foundation.exit(1)
    }

    static func printJSON(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
