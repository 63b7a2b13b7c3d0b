#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sockets passed by systemd socket activation (`LISTEN_FDS`, `sd_listen_fds(3)`).
public enum SocketActivation {
    /// The first passed descriptor is always 3 (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// The descriptors passed to this process, or an empty array when it was not socket-activated.
    /// `LISTEN_PID` must name this process: the variables are inherited by children, which must not adopt the
    /// parent's sockets. The variables are removed afterwards for the same reason.
    public static func adoptListeningDescriptors(environment: [String: String] = SystemdNotifier.processEnvironment()) -> [Int32] {
        guard let countText = environment["LISTEN_FDS"], let count = Int32(countText), count > 0 else { return [] }
        if let pidText = environment["LISTEN_PID"], let pid = Int32(pidText), pid != getpid() { return [] }
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDNAMES")
        return (0..<count).map { offset in
            let fd = firstDescriptor + offset
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            return fd
        }
    }

    /// True when `fd` is a listening `AF_UNIX` stream socket (what the daemon can adopt).
    public static func isUnixStreamListener(_ fd: Int32) -> Bool {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else { return false }
        #if os(Linux)
            guard type == Int32(SOCK_STREAM.rawValue) else { return false }
        #else
            guard type == SOCK_STREAM else { return false }
        #endif
        var address = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addressLength) }
        }
        return ok == 0 && Int32(address.ss_family) == AF_UNIX
    }
}
