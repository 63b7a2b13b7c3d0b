import Foundation
import StationTestSupport
import SystemdSupport
import Testing

/// `LISTEN_FDS`/`LISTEN_PID` parsing and the check of what was passed. The variables are given as a dictionary;
/// the process's own environment has none of them, so the adoption's `unsetenv` changes nothing under tests
/// running beside these.
@Suite struct SocketActivationTests {
    @Test func adoptsTheDescriptorsPassedToThisProcess() {
        let adopted = SocketActivation.adoptListeningDescriptors(environment: ["LISTEN_FDS": "2", "LISTEN_PID": "\(getpid())"])
        #expect(adopted == [3, 4])
        // Adopted descriptors are not passed on to children.
        for fd in adopted where fcntl(fd, F_GETFD) >= 0 {
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        }
        // Without LISTEN_PID (older systemd) the count alone is taken.
        #expect(SocketActivation.adoptListeningDescriptors(environment: ["LISTEN_FDS": "1"]) == [3])
    }

    @Test func adoptsNothingMeantForAnotherProcessOrMalformed() {
        let refused: [[String: String]] = [
            [:],
            ["LISTEN_PID": "\(getpid())"],
            ["LISTEN_FDS": "1", "LISTEN_PID": "\(getpid() + 1)"],
            ["LISTEN_FDS": "0", "LISTEN_PID": "\(getpid())"],
            ["LISTEN_FDS": "-1", "LISTEN_PID": "\(getpid())"],
            ["LISTEN_FDS": "two", "LISTEN_PID": "\(getpid())"],
        ]
        for environment in refused {
            #expect(SocketActivation.adoptListeningDescriptors(environment: environment).isEmpty, "\(environment)")
        }
    }

    @Test func acceptsOnlyAUnixStreamSocket() throws {
        let directory = try TemporaryDirectory(prefix: "activate")
        let stream = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(stream) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(directory.file("s.sock").utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stream, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && listen(stream, 4) == 0)
        #expect(SocketActivation.isUnixStreamListener(stream))

        let datagram = try DatagramListener(path: directory.file("d.sock"))
        #expect(!SocketActivation.isUnixStreamListener(datagram.fd))
        let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(tcp) }
        try #require(tcp >= 0 && listen(tcp, 4) == 0)
        #expect(!SocketActivation.isUnixStreamListener(tcp))
        let devNull = open("/dev/null", O_RDONLY)
        defer { close(devNull) }
        try #require(devNull >= 0)
        #expect(!SocketActivation.isUnixStreamListener(devNull))
        #expect(!SocketActivation.isUnixStreamListener(-1))
    }
}
