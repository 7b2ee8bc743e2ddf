// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Crosswire",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "Crosswire", targets: ["Crosswire"]),
        .library(name: "CrosswireCrypto", targets: ["CrosswireCrypto"]),
        .library(name: "CrosswireWire", targets: ["CrosswireWire"]),
        .library(name: "CrosswireFuzzing", targets: ["CrosswireFuzzing"]),
        .executable(name: "crosswire", targets: ["crosswire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
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
        // Pure byte codec: no cryptography, the fuzzing surface.
        .target(name: "CrosswireWire"),
        // The protocol: identity, prekeys, handshake, ratchet, session, groups, envelope, vectors.
        .target(name: "Crosswire", dependencies: ["CrosswireCrypto", "CrosswireWire"]),
        // The JSON-lines interop server (a library so that fuzzing and tests reach its parser).
        .target(name: "CrosswireInterop", dependencies: ["Crosswire", "CrosswireCrypto", "CrosswireWire"]),
        // Fuzz targets as plain functions: the libFuzzer package under Fuzz/ calls them, and the tests
        // replay the corpus in Vectors/corpus/ through them.
        .target(name: "CrosswireFuzzing", dependencies: ["Crosswire", "CrosswireCrypto", "CrosswireWire", "CrosswireInterop"]),
        .executableTarget(
            name: "crosswire",
            dependencies: [
                "Crosswire", "CrosswireInterop", "CrosswireFuzzing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CrosswireCryptoTests", dependencies: ["CrosswireCrypto"]),
        .testTarget(name: "CrosswireWireTests", dependencies: ["CrosswireWire"]),
        .testTarget(name: "CrosswireTests", dependencies: ["Crosswire", "CrosswireCrypto", "CrosswireFuzzing",
                                                           .product(name: "PropertyBased", package: "swift-property-based")]),
    ],
    swiftLanguageModes: [.v6]
)
