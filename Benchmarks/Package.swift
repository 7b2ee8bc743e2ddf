// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that `swift test` in the main package never builds them.
// Run with: swift run -c release crosswire-primitives
let package = Package(
    name: "CrosswireBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Crosswire", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Raw C baselines: libsodium and OpenSSL libcrypto (SHA-NI / AES-NI) called from C, no Swift in the loop.
        .target(name: "CBaseline", linkerSettings: [.linkedLibrary("sodium"), .linkedLibrary("crypto")]),
        // Counts heap allocations by wrapping glibc's allocator.
        .target(name: "CAllocCounter"),
        .target(name: "BenchmarkSupport", dependencies: ["CAllocCounter"]),
        // package-benchmark suite (swift package benchmark), with allocation thresholds in Thresholds/.
        .executableTarget(
            name: "CrosswireBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "CrosswireWire", package: "Crosswire"),
            ],
            path: "Benchmarks/CrosswireBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "crosswire-compare",
            dependencies: [
                "BenchmarkSupport", "CBaseline",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireSQLite", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "CrosswireWire", package: "Crosswire"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        // Attachment throughput against raw OpenSSL, and peak memory of the file calls.
        .executableTarget(
            name: "crosswire-attachments",
            dependencies: [
                "CBaseline", "BenchmarkSupport",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "crosswire-sessions",
            dependencies: ["BenchmarkSupport", .product(name: "Crosswire", package: "Crosswire")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "crosswire-profile",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireWire", package: "Crosswire"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "crosswire-forgery",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "CrosswireWire", package: "Crosswire"),
            ]
        ),
        .executableTarget(
            name: "crosswire-primitives",
            dependencies: [
                "CBaseline", "BenchmarkSupport",
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
