import Foundation
import Logging
import Synchronization

/// Reads one serial scanner on its own thread: finds its tty (by path, or by USB id through sysfs), opens it raw,
/// frames codes, and when the tty goes away reports it and looks for it again once a second.
final class SerialScannerSource: @unchecked Sendable {
    private let configuration: SerialScannerConfiguration
    private let logger: Logger
    private let sink: @Sendable (SourceReport) -> Void
    private let stopping = Atomic<Bool>(false)
    /// A pipe whose write end wakes the reader out of `poll` for `stop()`.
    private let wake: (read: Int32, write: Int32)
    private let finished = DispatchSemaphore(value: 0)
    /// The input thread, so a `stop()` reached from it (a last release of the hub there) does not wait for itself.
    private let threadID = Mutex<pthread_t?>(nil)
    private let started = Atomic<Bool>(false)
    let sysfsRoot: String
    let devRoot: String
    static let retryMilliseconds: Int32 = 1000

    init(
        configuration: SerialScannerConfiguration, logger: Logger, sysfsRoot: String = "/sys", devRoot: String = "/dev",
        sink: @escaping @Sendable (SourceReport) -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.sink = sink
        self.sysfsRoot = sysfsRoot
        self.devRoot = devRoot
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        } else {
            fds = [-1, -1]
        }
        wake = (fds[0], fds[1])
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }

    func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            threadID.withLock { $0 = pthread_self() }
            run()
            finished.signal()
        }
        thread.name = "parcel-station.serial-scanner"
        thread.stackSize = 512 << 10
        thread.start()
    }

    func stop() {
        guard started.load(ordering: .acquiring), !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        if let thread = threadID.withLock({ $0 }), pthread_equal(thread, pthread_self()) != 0 { return }
        finished.wait()
    }

    /// The tty to open and who it is.
    private func locate() -> (node: String, identity: ScannerIdentity)? {
        if let path = configuration.path {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let name = (path as NSString).lastPathComponent
            var identity =
                SysfsTTY.usbIdentity(ofTTY: "\(sysfsRoot)/class/tty/\(name)")
                ?? ScannerIdentity(source: .serial, portPath: path)
            identity.deviceNode = path
            return (path, identity)
        }
        return SysfsTTY.find(configuration.usb, sysfsRoot: sysfsRoot, devRoot: devRoot).first.map { ($0.node, $0.identity) }
    }

    private func run() {
        var reportedMissing = false
        while !stopping.load(ordering: .acquiring) {
            guard let (node, identity) = locate() else {
                if !reportedMissing {
                    logger.info(
                        "serial scanner not present", metadata: ["path": "\(configuration.path ?? configuration.usb?.description ?? "")"])
                    reportedMissing = true
                }
                _ = waitForWake(timeout: Self.retryMilliseconds)
                continue
            }
            let fd: Int32
            do {
                fd = try SerialPort.open(path: node, baudRate: configuration.baudRate)
            } catch {
                sink(.error(identity, message: "\(error)"))
                _ = waitForWake(timeout: Self.retryMilliseconds)
                continue
            }
            reportedMissing = false
            sink(.attached(ScannerDescription(identity: identity, catalogueEntry: "serial \(node)")))
            let failed = read(fd, identity: identity) != nil
            close(fd)
            // A tty that just vanished may linger in /dev for a moment: do not reopen it at once.
            if failed { _ = waitForWake(timeout: 100) }
        }
    }

    /// Reads until the tty fails (returns why; the scanner is reported gone) or the source stops (returns nil).
    private func read(_ fd: Int32, identity: ScannerIdentity) -> String? {
        var framer = SerialFramer(configuration: configuration)
        var buffer = [UInt8](repeating: 0, count: 512)
        while !stopping.load(ordering: .acquiring) {
            var timeout: Int32 = -1
            if let deadline = framer.deadline {
                let now = MonotonicInstant.now()
                timeout = deadline > now ? Int32(min((deadline.nanoseconds - now.nanoseconds) / 1_000_000 + 1, 60_000)) : 0
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR {
                return gone(identity, &framer, reason: "poll: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 { break }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let count = Glibc.read(fd, &buffer, buffer.count)
                if count > 0 {
                    let now = MonotonicInstant.now()
                    for code in framer.feed(buffer.prefix(count), at: now) { sink(.code(identity, code, at: now)) }
                    continue
                }
                if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                return gone(identity, &framer, reason: count == 0 ? "tty closed" : "read: \(String(cString: strerror(errno)))")
            }
            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                return gone(identity, &framer, reason: "tty hung up")
            }
            let now = MonotonicInstant.now()
            if let code = framer.expire(at: now) { sink(.code(identity, code, at: now)) }
        }
        if let partial = framer.dropPartial() {
            sink(.partialDropped(identity, bytes: partial, reason: "scanner monitor stopped"))
        }
        return nil
    }

    private func gone(_ identity: ScannerIdentity, _ framer: inout SerialFramer, reason: String) -> String {
        sink(.gone(identity, reason: reason, partial: framer.dropPartial()))
        return reason
    }

    /// Sleeps up to `timeout` ms; true when woken by `stop()`.
    private func waitForWake(timeout: Int32) -> Bool {
        var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        return poll(&fds, 1, timeout) > 0
    }
}
