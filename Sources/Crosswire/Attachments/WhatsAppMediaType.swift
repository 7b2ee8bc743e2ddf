/// What a WhatsApp media blob holds; each type expands the media key with its own HKDF info string, so
/// a key is only good for one kind of media (FACTS §3.1).
public enum WhatsAppMediaType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Photos, and stickers.
    case image
    /// Videos, round videos and GIFs.
    case video
    /// Voice notes and audio files.
    case audio
    /// Documents of any type.
    case document
    /// History sync blobs sent to a newly linked device.
    case history
    /// App-state sync patches.
    case appState
    /// Sticker packs.
    case stickerPack
    /// Link-preview thumbnails.
    case linkThumbnail

    /// The HKDF info string for this type.
    public var info: String {
        switch self {
        case .image: "WhatsApp Image Keys"
        case .video: "WhatsApp Video Keys"
        case .audio: "WhatsApp Audio Keys"
        case .document: "WhatsApp Document Keys"
        case .history: "WhatsApp History Keys"
        case .appState: "WhatsApp App State Keys"
        case .stickerPack: "WhatsApp Sticker Pack Keys"
        case .linkThumbnail: "WhatsApp Link Thumbnail Keys"
        }
    }

    /// The command-line and vector name: `image`, `video`, `audio`, `document`, `history`, `app-state`,
    /// `sticker-pack`, `link-thumbnail`.
    public var description: String {
        switch self {
        case .image: "image"
        case .video: "video"
        case .audio: "audio"
        case .document: "document"
        case .history: "history"
        case .appState: "app-state"
        case .stickerPack: "sticker-pack"
        case .linkThumbnail: "link-thumbnail"
        }
    }

    /// The type named `name` (as `description` prints it), if any.
    public init?(name: String) {
        guard let type = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = type
    }

    /// The number an attachment pointer carries (SPEC §14.3): 1…8 in declaration order.
    var wireValue: UInt32 { UInt32(Self.allCases.firstIndex(of: self)! + 1) }

    init?(wireValue: UInt64) {
        guard wireValue >= 1, wireValue <= UInt64(Self.allCases.count) else { return nil }
        self = Self.allCases[Int(wireValue) - 1]
    }
}
