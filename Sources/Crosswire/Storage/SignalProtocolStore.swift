/// Where a device's protocol state lives. Every cipher operation (a bundle processed, a message
/// encrypted or decrypted, a group message sent or read) is one call of ``transaction(_:_:)``: the
/// cipher loads what it needs through the transaction, works, writes, and the store commits all of it
/// at once or, if the body throws, none of it. That makes each operation atomic (a crash never leaves
/// a consumed prekey beside an unsaved session) and isolated (two operations on one address never see
/// each other's half-done state, so a counter or a one-time prekey is never used twice).
///
/// The body is synchronous: nothing inside it can await, so an implementation holds its lock (an
/// actor's executor, a database's write lock) for a few microseconds of pure computation, and store
/// methods cost a function call, not a hop. An app's own database implements this protocol by opening
/// its transaction, handing the body a value that reads and writes through it, and committing.
public protocol SignalProtocolStore: Sendable {
    /// What one operation reads and writes through. It must see the operation's own writes.
    associatedtype Transaction: StoreTransaction

    /// Runs `body` as one transaction that excludes every other transaction on `scope` (an
    /// implementation may exclude more: the in-memory and SQLite stores run one at a time), commits
    /// what it wrote when it returns, and discards everything when it throws, rethrowing that error.
    /// Taking a one-time or KEM prekey must be atomic across scopes: two addresses naming one prekey
    /// id cannot both get it.
    func transaction<Result: Sendable>(
        _ scope: TransactionScope, _ body: @Sendable (inout Transaction) throws -> Result
    ) async throws -> Result
}

/// The reads and writes one operation makes; each protocol it refines is one concept's share.
public protocol StoreTransaction: IdentityKeyStore, SessionStore, PreKeyStore, SignedPreKeyStore, KEMPreKeyStore, SenderKeyStore,
    DeviceListStore, GroupStore {}
