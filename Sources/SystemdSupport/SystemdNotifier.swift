#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `sd_notify(3)` without libsystemd: a datagram to `$NOTIFY_SOCKET`. A no-op when the daemon was not started
/// by systemd (the variable is unset), so the same binary runs by hand and under `Type=notify`.
public struct SystemdNotifier: Sendable {
    /// The socket address from `NOTIFY_SOCKET`, or nil outside systemd.
    public let socketPath: String?

    public init(environment: [String: String] = Self.processEnvironment()) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }

    /// `READY=1`, with a status line.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    /// `STOPPING=1`.
    public func stopping() { send("STOPPING=1\nSTATUS=shutting down") }
    /// `WATCHDOG=1`: the event loop is alive.
    public func watchdog() { send("WATCHDOG=1") }

    /// Sends one notification; errors are ignored as `sd_notify` callers usually do (systemd may be gone).
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let path = socketPath else { return false }
        #if os(Linux)
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        // An address starting with '@' lives in the abstract namespace: its first byte is NUL.
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                payload.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length)
                }
            }
        }
        return sent == payload.count
    }

    /// The watchdog interval systemd asked for (`WATCHDOG_USEC`, for this process), or nil.
    public static func watchdogInterval(environment: [String: String] = processEnvironment()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let pidText = environment["WATCHDOG_PID"], let pid = Int32(pidText), pid != getpid() { return nil }
        return .microseconds(usec)
    }
}
