public import Hummingbird
internal import NIOCore

/// Per-request state: where the browser is and, once the session middleware ran, who is signed in.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The browser's address, or "local" for a Unix-socket peer.
    public let remoteAddress: String
    public let isLoopback: Bool
    public var session: ConsoleSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        let address = source.channel.remoteAddress
        remoteAddress = address?.ipAddress ?? "local"
        // 127.0.0.0/8 and ::1 (also as a v4-mapped address); no address at all is a Unix-socket peer.
        if let ip = address?.ipAddress {
            isLoopback = ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
        } else {
            isLoopback = address == nil
        }
    }

    /// Forms are small; manifests have their own larger limit where they are read.
    public var maxUploadSize: Int { FormFields.maximumBytes }
}
