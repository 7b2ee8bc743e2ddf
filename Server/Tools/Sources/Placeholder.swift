// The package exists for its dependency: `swift run --package-path Server/Tools swift-openapi-generator`.
