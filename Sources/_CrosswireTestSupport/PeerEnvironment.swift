import Foundation

/// What the cross-implementation tests need from outside Swift: the interop peers in `.venv-peers/`
/// (Signal's Rust libsignal, python-axolotl, libxeddsa, Python's protobuf), a `python3` for the driver, and the `crosswire`
/// binary it drives. A plain `swift test` is hermetic: those tests are enabled only when what they need
/// is present, and nothing is installed from a test. `scripts/test.sh` installs the peers and sets
/// `CROSSWIRE_REQUIRE_PEERS=1`, under which the tests always run and anything missing is a failure.
public enum PeerEnvironment {
    /// The checkout this module was built from.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Whether a missing peer must fail the run rather than skip it (`CROSSWIRE_REQUIRE_PEERS=1`).
    public static let isRequired = ProcessInfo.processInfo.environment["CROSSWIRE_REQUIRE_PEERS"] == "1"

    /// The `crosswire` executable that `swift build` leaves in the debug build folder.
    public static let crosswireBinary = root.appendingPathComponent(".build/debug/crosswire")

    /// The peers and the Python module each must import.
    public static let modules = ["libsignal": "signal_protocol", "axolotl": "axolotl.sessioncipher", "xeddsa": "xeddsa",
                                 "protobuf": "grpc_tools.protoc"]

    /// The interpreter of a peer's venv.
    public static func python(_ peer: String) -> URL {
        root.appendingPathComponent(".venv-peers/\(peer)/bin/python")
    }

    /// What is missing for a test that needs `peers` (and, with `binary`, the `crosswire` executable
    /// and a `python3` for the driver); empty when it can run.
    public static func missing(peers: [String], binary: Bool = false) -> [String] {
        var missing: [String] = []
        if binary {
            if !FileManager.default.isExecutableFile(atPath: crosswireBinary.path) {
                missing.append("\(crosswireBinary.path) (run `swift build` first)")
            }
            if !hasSystemPython { missing.append("python3 (for scripts/interop/driver.py)") }
        }
        for peer in peers where !imports(peer) {
            missing.append("the \(peer) peer in .venv-peers/\(peer) (install with scripts/peers-venv.sh)")
        }
        return missing
    }

    /// The condition for `.enabled(if:)`: run when required, or when everything needed is present.
    public static func shouldRun(peers: [String], binary: Bool = false) -> Bool {
        isRequired || missing(peers: peers, binary: binary).isEmpty
    }

    /// Runs `executable` from the checkout's root; returns its exit status and standard output.
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        if input != nil { process.standardInput = stdin }
        do {
            try process.run()
        } catch {
            return (-1, "could not start \(executable): \(error)")
        }
        if let input {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        let data = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Everything up to end of file, read with `read(2)` retried on EINTR: Foundation's
    /// `readDataToEndOfFile` traps when a SIGCHLD (from any test's child process) interrupts it.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: chunk[..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }

    private static let hasSystemPython = run("/usr/bin/env", ["python3", "-c", "pass"]).status == 0

    private static let importable = Locked([String: Bool]())

    private static func imports(_ peer: String) -> Bool {
        if let known = importable.value[peer] { return known }
        let interpreter = python(peer)
        let ok = FileManager.default.isExecutableFile(atPath: interpreter.path)
            && run(interpreter.path, ["-c", "import \(modules[peer] ?? peer)"]).status == 0
        importable.update { $0[peer] = ok }
        return ok
    }
}

/// A value behind a lock, for the import cache above.
private final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func update(_ body: (inout Value) -> Void) { lock.lock(); body(&stored); lock.unlock() }
}
