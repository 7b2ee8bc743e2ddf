/// Everything a 1:1 session needs; sender keys have their own protocol. An implementation must be safe
/// to call from concurrent tasks for different addresses (an actor is); `SessionCipher` serializes
/// nothing itself.
public typealias SignalProtocolStore = IdentityKeyStore & PreKeyStore & SignedPreKeyStore & KEMPreKeyStore & SessionStore
