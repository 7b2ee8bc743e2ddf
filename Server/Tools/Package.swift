// swift-tools-version: 6.1
import PackageDescription

// Only the OpenAPI generator, to regenerate Sources/CrosswireServerAPI/Generated from openapi.yaml and to
// check in CI that the committed code is what the document gives (scripts/openapi.sh). Never a
// dependency of the server or the client: they build from the committed code.
let package = Package(
    name: "CrosswireServerTools",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3"),
    ],
    targets: [
        .target(name: "CrosswireServerTools", path: "Sources"),
    ]
)
