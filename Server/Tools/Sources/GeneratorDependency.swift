// An empty target: the package exists for its dependency, built by scripts/openapi.sh as
// `swift build --package-path Server/Tools --product swift-openapi-generator`.
