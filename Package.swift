// swift-tools-version: 6.1
import PackageDescription

// Products are the engine: what an app links. Tooling (vectors, the interop server) are targets used by
// the `crosswire` executable and the tests; `_CrosswireTestSupport` is a product only because the Fuzz/
// and Benchmarks/ packages can use nothing else, and its name says that apps must not.
//
// Builds today on Linux (Debian bookworm, Swift 6.1+, apt libsodium-dev and libssl-dev). On macOS the
// two C libraries come from Homebrew (libsodium, openssl@3) through pkg-config; that build is not
// exercised by CI. There is no iOS path: libsodium and libcrypto are system libraries here, and an
// Apple-platform app would need them as XCFrameworks, which this package does not provide.
let package = Package(
    name: "Crosswire",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Crosswire", targets: ["Crosswire"]),
        .library(name: "CrosswireCrypto", targets: ["CrosswireCrypto"]),
        .library(name: "CrosswireWire", targets: ["CrosswireWire"]),
        // Durable device state on SQLite (GRDB); a separate product so GRDB never enters `Crosswire`.
        .library(name: "CrosswireSQLite", targets: ["CrosswireSQLite"]),
        .library(name: "_CrosswireTestSupport", targets: ["_CrosswireTestSupport"]),
        .executable(name: "crosswire", targets: ["crosswire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        // libsodium, found through pkg-config (apt: libsodium-dev). Only CrosswireCrypto imports it.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        // OpenSSL libcrypto, found through pkg-config (apt: libssl-dev): SHA-NI SHA-256 and AES-NI CBC.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // The only module that touches C or swift-crypto.
        .target(
            name: "CrosswireCrypto",
            dependencies: [
                "CSodium",
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "BigInt", package: "BigInt"),
            ]
        ),
        // Byte codec, the fuzzing surface: no cryptography; the one secret a message carries (a sender
        // chain key) is held in CrosswireCrypto's wiping container.
        .target(name: "CrosswireWire", dependencies: ["CrosswireCrypto"]),
        // The protocol: identity, prekeys, handshake, ratchet, session, groups, storage, fingerprints.
        .target(name: "Crosswire", dependencies: ["CrosswireCrypto", "CrosswireWire"], exclude: ["CrossApp/crossapp.proto"]),
        // The encrypted SQLite store: one IMMEDIATE transaction per cipher operation, rows sealed with AES-GCM.
        .target(
            name: "CrosswireSQLite",
            dependencies: ["Crosswire", "CrosswireCrypto", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Vector generation and verification, Wycheproof runners included (not a product).
        .target(name: "CrosswireVectors", dependencies: ["Crosswire", "CrosswireCrypto", "CrosswireWire"]),
        // The JSON-lines interop server (not a product).
        .target(
            name: "CrosswireInterop",
            dependencies: ["Crosswire", "CrosswireCrypto", "CrosswireWire", "CrosswireSQLite", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Fuzz targets, their fixture and store snapshots: for Fuzz/, Benchmarks/ and the tests only.
        .target(
            name: "_CrosswireTestSupport",
            dependencies: ["Crosswire", "CrosswireCrypto", "CrosswireWire", "CrosswireInterop"]
        ),
        .executableTarget(
            name: "crosswire",
            dependencies: [
                "Crosswire", "CrosswireVectors", "CrosswireInterop", "_CrosswireTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CrosswireCryptoTests", dependencies: ["CrosswireCrypto", "_CrosswireTestSupport"]),
        .testTarget(name: "CrosswireWireTests", dependencies: ["CrosswireWire", "CrosswireCrypto"]),
        .testTarget(
            name: "CrosswireTests",
            dependencies: [
                "Crosswire", "CrosswireCrypto", "CrosswireInterop", "_CrosswireTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "CrosswireSQLiteTests",
            dependencies: ["CrosswireSQLite", "Crosswire", "CrosswireCrypto", "CrosswireWire", "_CrosswireTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "CrosswireVectorsTests", dependencies: ["CrosswireVectors", "Crosswire", "CrosswireCrypto"]),
    ],
    swiftLanguageModes: [.v6]
)
