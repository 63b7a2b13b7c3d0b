import Foundation

/// A bound Unix datagram socket standing in for systemd's notification socket (`NOTIFY_SOCKET`).
public final class DatagramListener: Sendable {
    public let fd: Int32

    /// Binds `path`; a path starting with `@` names a socket in the abstract namespace, as systemd's often is.
    public init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        if bytes.first == UInt8(ascii: "@") {
            // Abstract: a leading NUL, and the length says where the name ends.
            bytes[0] = 0
            length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// The next datagram, waiting up to `timeout` seconds for it; nil if none came.
    public func receive(timeout: Int) -> String? {
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return receive(flags: 0)
    }

    /// A datagram already queued, without waiting; nil if there is none.
    public func queued() -> String? { receive(flags: Int32(MSG_DONTWAIT)) }

    private func receive(flags: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, flags) }
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    deinit { close(fd) }
}
