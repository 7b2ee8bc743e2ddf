/// What the cross-app client tells the app besides messages (SPEC §12.9): changes a user should see.
public enum ClientEvent: Sendable, Hashable {
    /// An account's primary identity changed: re-registered or taken over. Show it as a changed
    /// safety number that needs checking.
    case identityChanged(UserAddress)
    /// A device was linked to an account.
    case deviceAdded(DeviceAddress)
    /// A device was removed from an account; it reads nothing sent after this.
    case deviceRemoved(DeviceAddress)
    /// The user-level safety number with this account changed.
    case safetyNumberChanged(UserAddress)
    /// A group's membership or name changed (a new accepted state).
    case groupChanged(GroupID)
}
