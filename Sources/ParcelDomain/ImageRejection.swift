/// Why a label photo was refused: the one image error, thrown by the decoder (LabelDecoding), passed on by the
/// engine and mapped to the socket's `image.*` codes by StationServer.
///
/// `message` says what is wrong in words and is all a client ever sees. `detail` is what an image library said
/// (libjpeg's, libpng's, libwebp's text): the daemon logs it with the photo, it is never sent, since it tells a
/// client only which library and version read its file.
public struct ImageRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// One per wire code (`image.<kind>`).
    public enum Kind: String, Sendable, CaseIterable {
        case empty, tooLarge, tooManyPixels, badGeometry, truncated, corrupt, unsupportedFormat, timeout, unreadable, accessDenied
    }

    public let kind: Kind
    /// What is wrong, in words, for the client.
    public let message: String
    /// The image library's own text, for the daemon's log only; nil when the message says everything.
    public let detail: String?

    public init(_ kind: Kind, _ message: String, detail: String? = nil) {
        self.kind = kind
        self.message = message
        self.detail = detail
    }

    /// Stable machine-readable code, as on the wire: `image.corrupt`.
    public var code: String { "image.\(kind.rawValue)" }

    /// The message only, so printing a rejection anywhere never leaks the detail.
    public var description: String { message }
}
