import ArgumentParser

/// `crosswire-client --server URL --state DIR COMMAND`.
@main
struct CrosswireClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crosswire-client", abstract: "A Crosswire client over the HTTP directory.")
}
