/// Everything a 1:1 session needs; sender keys have their own protocol.
public typealias SignalProtocolStore = IdentityKeyStore & PreKeyStore & SignedPreKeyStore & KEMPreKeyStore & SessionStore
