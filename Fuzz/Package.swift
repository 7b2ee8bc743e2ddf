// swift-tools-version: 6.1
import PackageDescription

// libFuzzer driver for Crosswire's fuzz targets (Sources/_CrosswireTestSupport in the main package).
// Build and run through ../scripts/fuzz.sh, which passes -sanitize=fuzzer,address.
let package = Package(
    name: "CrosswireFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Crosswire", path: "..")],
    targets: [
        .executableTarget(
            name: "crosswire-fuzz",
            dependencies: [.product(name: "_CrosswireTestSupport", package: "Crosswire")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
