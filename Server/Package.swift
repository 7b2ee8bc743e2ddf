// swift-tools-version: 6.1
import PackageDescription

// The key directory and relay server, and a command-line client, in their own package so that apps
// linking Crosswire never resolve server dependencies (SPEC §15). The HTTP API is Server/openapi.yaml;
// the code generated from it is committed in Sources/CrosswireServerAPI/Generated (scripts/openapi.sh).
let package = Package(
    name: "CrosswireServer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crosswire-server", targets: ["crosswire-server"]),
        .executable(name: "crosswire-client", targets: ["crosswire-client"]),
    ],
    dependencies: [
        .package(name: "Crosswire", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", exact: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession.git", exact: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        // Generated from openapi.yaml: types, the server protocol and the client.
        .target(
            name: "CrosswireServerAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")]
        ),
        // Directory rules, storage behind a protocol (SQLite here), the handlers.
        .target(
            name: "CrosswireServerCore",
            dependencies: [
                "CrosswireServerAPI",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ]
        ),
        // DeviceDirectory over the HTTP API: what a client app links to talk to the server.
        .target(
            name: "CrosswireDirectoryClient",
            dependencies: [
                "CrosswireServerAPI",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ]
        ),
        .executableTarget(
            name: "crosswire-server",
            dependencies: ["CrosswireServerCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "crosswire-client",
            dependencies: [
                "CrosswireServerAPI", "CrosswireDirectoryClient",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireSQLite", package: "Crosswire"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "CrosswireServerTests",
            dependencies: [
                "CrosswireServerCore", "CrosswireServerAPI", "CrosswireDirectoryClient",
                .product(name: "Crosswire", package: "Crosswire"),
                .product(name: "CrosswireCrypto", package: "Crosswire"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
