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
    ],
    targets: [
        // Raw C baselines: libsodium and OpenSSL libcrypto (SHA-NI / AES-NI) called from C, no Swift in the loop.
        .target(name: "CBaseline", linkerSettings: [.linkedLibrary("sodium"), .linkedLibrary("crypto")]),
        // Counts heap allocations by wrapping glibc's allocator.
        .target(name: "CAllocCounter"),
        .target(name: "BenchmarkSupport", dependencies: ["CAllocCounter"]),
        .executableTarget(
            name: "crosswire-compare",
            dependencies: [
                "BenchmarkSupport", "CBaseline",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "CrosswireWire", package: "Crosswire"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "crosswire-sessions",
            dependencies: ["BenchmarkSupport", .product(name: "Crosswire", package: "Crosswire")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
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
