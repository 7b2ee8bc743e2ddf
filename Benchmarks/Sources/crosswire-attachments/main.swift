// Attachment throughput (SPEC §14.5): Crosswire's streaming encryptor and decryptor and its file calls,
// next to the same primitive work done raw with OpenSSL in one call per primitive on the same buffer
// (CBaseline). Sizes 1 MiB and 256 MiB; MiB/s of plaintext; peak memory of the file calls measured in
// a child process (ru_maxrss), so this process's own big buffers do not count.
//
//   swift run -c release crosswire-attachments [--sizes 1,256] [--rounds N]
import BenchmarkSupport
import CBaseline
import Crypto
import CryptoExtras
@_spi(Hazmat) import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation
import Glibc

let arguments = CommandLine.arguments

// Child mode: one file call, then exit; the parent reads its peak RSS.
if arguments.count == 6, arguments[1] == "--file-worker" {
    let format: AttachmentFormat = arguments[2] == "signal" ? .signal : .whatsApp(.video)
    let key = try AttachmentKey(rawRepresentation: [UInt8](repeating: 7, count: format.keyCount), format: format)
    let input = URL(fileURLWithPath: arguments[4]), output = URL(fileURLWithPath: arguments[5])
    let start = BenchmarkSupport.now()
    if arguments[3] == "encrypt" {
        let attachment = try AttachmentCipher.encryptFile(at: input, to: output, with: key)
        try "\(Hex.encode(attachment.digest)) \(attachment.plaintextDigest.map(Hex.encode) ?? "-") \(attachment.size)"
            .write(toFile: output.path + ".ref", atomically: true, encoding: .utf8)
    } else {
        let parts = try String(contentsOfFile: input.path + ".ref", encoding: .utf8).split(separator: " ")
        let reference = try AttachmentReference(key: key, digest: try Hex.decode(String(parts[0])),
                                                plaintextDigest: parts[1] == "-" ? nil : try Hex.decode(String(parts[1])), size: Int(parts[2]))
        try AttachmentCipher.decryptFile(at: input, to: output, expecting: reference)
    }
    let elapsed = Double(BenchmarkSupport.now() - start) / 1e9
    // VmHWM: this process's own peak resident memory since exec.
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "0" } ?? "0"
    print(elapsed, peak)
    exit(0)
}

func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let sizesMiB = (option("--sizes") ?? "1,256").split(separator: ",").compactMap { Int($0) }
let rounds = Int(option("--rounds") ?? "5") ?? 5
cw_init()

/// Median seconds of `body` over `repetitions` runs (after one warm-up run).
func seconds(_ repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = BenchmarkSupport.now()
        body()
        samples.append(Double(BenchmarkSupport.now() - start) / 1e9)
    }
    return samples.sorted()[samples.count / 2]
}

struct Row {
    let name: String
    let mibPerSecond: Double
}

func rate(_ bytes: Int, _ seconds: Double) -> Double { Double(bytes) / 1_048_576 / seconds }

let chunk = AttachmentCipher.chunkCount
var table: [(String, Int, Double, Double, Double)] = []  // (operation, MiB, raw, crosswire, in-memory API)

for mib in sizesMiB {
    let count = mib * 1_048_576
    let repetitions = mib >= 64 ? max(3, rounds / 2) : rounds * 20
    let plaintext = SeededEntropy(seed: 1).bytes(count)
    for format in [AttachmentFormat.signal, .whatsApp(.video)] {
        let key = try AttachmentKey(rawRepresentation: [UInt8](repeating: 7, count: format.keyCount), format: format)
        let schedule: [UInt8] = {
            switch format {
            case .signal: return key.rawRepresentation.unprotectedBytes
            case .whatsApp:
                let e = key.expandedMediaKey!.unprotectedBytes
                return Array(e[16..<80]) + Array(e[0..<16])
            }
        }()
        let cipherKey = Array(schedule[0..<32]), macKey = Array(schedule[32..<64])
        let iv = format == .signal ? [UInt8](repeating: 3, count: 16) : Array(schedule[64..<80])
        let padded = format == .signal ? plaintext + [UInt8](repeating: 0, count: AttachmentPadding.paddedCount(for: count) - count) : plaintext
        let blobCount = format.blobCount(forPlaintextCount: count)
        var blob = [UInt8](repeating: 0, count: blobCount + chunk + 256)
        var out = [UInt8](repeating: 0, count: blobCount + chunk + 256)
        var digest = [UInt8](repeating: 0, count: 32), plainDigest = [UInt8](repeating: 0, count: 32)
        let ivInBlob: Int32 = format == .signal ? 1 : 0, macCount = format.macCount, hashPlain: Int32 = format == .signal ? 0 : 1

        // Raw: one OpenSSL call per primitive over the whole buffer.
        var rawLength: Int32 = 0
        let rawEncrypt = seconds(repetitions) {
            rawLength = cw_raw_attachment_encrypt(cipherKey, macKey, iv, padded, padded.count, &blob, ivInBlob, macCount, hashPlain, &digest, &plainDigest)
        }
        precondition(Int(rawLength) == blobCount)
        let rawBlob = Array(blob[0..<blobCount])
        let rawDecrypt = seconds(repetitions) {
            rawLength = cw_raw_attachment_decrypt(cipherKey, macKey, iv, rawBlob, rawBlob.count, &out, ivInBlob, macCount, hashPlain, &digest, &plainDigest)
        }
        precondition(Int(rawLength) == padded.count)

        // Crosswire's streaming engine: 256 KiB chunks into one output buffer, as a media store upload
        // or a download would see them.
        var attachment: EncryptedAttachment?
        let streamEncrypt = seconds(repetitions) {
            var encryptor = try! AttachmentEncryptor(key: key, using: SeededEntropy(seed: 2))
            var written = 0
            plaintext.withUnsafeBytes { input in
                blob.withUnsafeMutableBytes { output in
                    var offset = 0
                    while offset < input.count {
                        let end = min(input.count, offset + chunk)
                        written += try! encryptor.update(UnsafeRawBufferPointer(rebasing: input[offset..<end]),
                                                         into: UnsafeMutableRawBufferPointer(rebasing: output[written..<min(output.count, written + chunk + 128)]))
                        offset = end
                    }
                    while true {
                        let (n, done) = try! encryptor.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
                        written += n
                        if let done { attachment = done; break }
                    }
                }
            }
            precondition(written == blobCount)
        }
        let ourBlob = Array(blob[0..<blobCount])
        let reference = attachment!.reference
        precondition(try! AttachmentCipher.decrypt(ourBlob, expecting: reference) == plaintext)
        let streamDecrypt = seconds(repetitions) {
            var decryptor = try! AttachmentDecryptor(expecting: reference)
            var written = 0
            ourBlob.withUnsafeBytes { input in
                out.withUnsafeMutableBytes { output in
                    var offset = 0
                    while offset < input.count {
                        let end = min(input.count, offset + chunk)
                        written += try! decryptor.update(UnsafeRawBufferPointer(rebasing: input[offset..<end]),
                                                         into: UnsafeMutableRawBufferPointer(rebasing: output[written..<min(output.count, written + chunk + 64)]))
                        offset = end
                    }
                    written += try! decryptor.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
                }
            }
            precondition(written == count)
        }
        // The one-call in-memory API (allocates its output).
        let apiEncrypt = seconds(repetitions) { blackHole(try! AttachmentCipher.encrypt(plaintext, with: key)) }
        let apiDecrypt = seconds(repetitions) { blackHole(try! AttachmentCipher.decrypt(ourBlob, expecting: reference)) }
        let name = format == .signal ? "signal" : "whatsapp"
        table.append(("\(name) encrypt", mib, rate(count, rawEncrypt), rate(count, streamEncrypt), rate(count, apiEncrypt)))
        table.append(("\(name) decrypt", mib, rate(count, rawDecrypt), rate(count, streamDecrypt), rate(count, apiDecrypt)))
    }
}

print("Attachments: MiB/s of plaintext, median; raw = OpenSSL one call per primitive on the same buffer")
print("operation               size        raw    crosswire   cw/raw  one-call API")
for (operation, mib, raw, ours, api) in table {
    print(operation.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: " %5d MiB %10.0f %12.0f %7.2fx %12.0f", mib, raw, ours, ours / raw, api))
}

// The bulk providers, chosen by measurement: OpenSSL (what Crosswire calls) against swift-crypto (BoringSSL).
do {
    let buffer = SeededEntropy(seed: 8).bytes(1_048_576)
    let repetitions = rounds * 20
    let keyBytes = [UInt8](repeating: 5, count: 32), ivBytes = [UInt8](repeating: 6, count: 16)
    let openSSLHash = seconds(repetitions) { blackHole(SHA256Hash.hash(buffer)) }
    let swiftCryptoHash = seconds(repetitions) { blackHole(Crypto.SHA256.hash(data: buffer)) }
    var stream = try AES256CBCStream(.encrypt, key: SecretBytes(keyBytes), range: 0..<32, iv: ivBytes)
    var output = [UInt8](repeating: 0, count: buffer.count + 64)
    let openSSLCBC = seconds(repetitions) {
        buffer.withUnsafeBytes { input in output.withUnsafeMutableBytes { out in blackHole(try! stream.update(input, into: out)) } }
    }
    let scKey = SymmetricKey(data: keyBytes), scIV = try AES._CBC.IV(ivBytes: ivBytes)
    let swiftCryptoCBC = seconds(repetitions) { blackHole(try! AES._CBC.encrypt(buffer, using: scKey, iv: scIV)) }
    print("\nBulk providers, 1 MiB, MiB/s: SHA-256 OpenSSL \(Int(rate(buffer.count, openSSLHash))) vs swift-crypto \(Int(rate(buffer.count, swiftCryptoHash))); "
        + "AES-256-CBC encrypt OpenSSL stream \(Int(rate(buffer.count, openSSLCBC))) vs swift-crypto \(Int(rate(buffer.count, swiftCryptoCBC)))")
}

// File to file (page cache, fsync included), peak RSS of a child doing only that call.
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crosswire-attachment-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
print("\nFile to file (AttachmentCipher.encryptFile / decryptFile, page cache, fsync included), each call in its own process")
print("operation               size      MiB/s   peak RSS (VmHWM)")
func child(_ args: [String]) -> (Double, Int) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--file-worker"] + args
    let pipe = Pipe()
    process.standardOutput = pipe
    try! process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "worker failed")
    let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
    return (Double(fields[0])!, Int(fields[1])!)
}
for mib in sizesMiB.sorted() {
    let input = folder.appendingPathComponent("plain"), blob = folder.appendingPathComponent("blob"), output = folder.appendingPathComponent("plain.out")
    try Data(SeededEntropy(seed: 5).bytes(mib * 1_048_576)).write(to: input)
    for name in ["signal", "whatsapp"] {
        let (encryptSeconds, encryptRSS) = child([name, "encrypt", input.path, blob.path])
        let (decryptSeconds, decryptRSS) = child([name, "decrypt", blob.path, output.path])
        precondition(FileManager.default.contentsEqual(atPath: input.path, andPath: output.path))
        print("\(name) encrypt".padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: " %5d MiB %10.0f %11d KiB", mib, rate(mib * 1_048_576, encryptSeconds), encryptRSS))
        print("\(name) decrypt".padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: " %5d MiB %10.0f %11d KiB", mib, rate(mib * 1_048_576, decryptSeconds), decryptRSS))
    }
}
