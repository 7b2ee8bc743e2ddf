import CSodium

/// libsodium must be initialised once before use; every entry point that calls it goes through here.
enum Sodium {
    static let ready: Bool = {
        sodium_init() >= 0
    }()

    @inline(__always)
    static func ensureReady() {
        precondition(ready, "libsodium failed to initialise")
    }
}
