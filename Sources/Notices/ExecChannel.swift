import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Delivers a notice by running a station-configured executable: the notice is one JSON object (`NoticePayload`,
/// one line, then EOF) on its stdin. Exit status 0 means delivered; an exit status in `permanentExitCodes`
/// a permanent failure; any other status, a signal, or running past the timeout a retryable one. The reason is
/// the first line of its stderr. The executable runs in its own process group, and on timeout the whole group
/// is killed, so a script's children do not outlive it.
public struct ExecChannel: NoticeChannel {
    public struct Configuration: Sendable, Codable, Equatable {
        /// Absolute path of the executable.
        public var executable: String
        public var arguments: [String]
        public var timeoutSeconds: Double
        /// Exit statuses that mean "never retry": by default EX_DATAERR (65, the notice is unusable) and
        /// EX_NOUSER (67, no such recipient).
        public var permanentExitCodes: [Int32]

        public init(
            executable: String, arguments: [String] = [], timeoutSeconds: Double = 30, permanentExitCodes: [Int32] = [65, 67]
        ) {
            self.executable = executable
            self.arguments = arguments
            self.timeoutSeconds = timeoutSeconds
            self.permanentExitCodes = permanentExitCodes
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        // A channel that exits without reading its stdin must not kill the daemon with SIGPIPE; the write
        // then fails with EPIPE instead. (The child gets the default disposition back, see `spawn`.)
        signal(SIGPIPE, SIG_IGN)
    }

    public var timeLimit: Duration { .seconds(configuration.timeoutSeconds) + .seconds(1) }

    public func deliver(_ payload: NoticePayload) async -> DeliveryResult {
        let input: Data
        do { input = try payload.json() + Data("\n".utf8) } catch { return .permanent("cannot encode the notice: \(error)") }
        let configuration = configuration
        // Shutdown must not wait out a hung channel (timeoutSeconds may be minutes): cancelling the send kills the
        // child's process group, and the notice is retried after the restart, as after a timeout.
        let interrupted = Mutex(false)
        // The work blocks (poll, waitpid), so it runs on its own thread rather than the cooperative pool.
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    continuation.resume(returning: Self.run(configuration, input: input, interrupted: interrupted))
                }
                thread.name = "notice-exec"
                thread.start()
            }
        } onCancel: {
            interrupted.withLock { $0 = true }
        }
    }

    static func run(_ configuration: Configuration, input: Data, interrupted: borrowing Mutex<Bool>) -> DeliveryResult {
        let deadline = ContinuousClock.now + .seconds(configuration.timeoutSeconds)
        var stdinPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        // O_CLOEXEC: children spawned concurrently by other channels must not inherit these ends, or EOF
        // never arrives.
        guard makePipe(&stdinPipe) == 0 else { return .retryable("pipe: \(errnoText())") }
        guard makePipe(&stderrPipe) == 0 else {
            close(stdinPipe[0])
            close(stdinPipe[1])
            return .retryable("pipe: \(errnoText())")
        }
        let pid: pid_t
        switch spawn(configuration, stdin: stdinPipe[0], stderr: stderrPipe[1]) {
        case .success(let spawned): pid = spawned
        case .failure(let reason):
            for fd in stdinPipe + stderrPipe { close(fd) }
            return .retryable("cannot start \(configuration.executable): \(reason)")
        }
        close(stdinPipe[0])
        close(stderrPipe[1])
        var writeFD = stdinPipe[1]
        var readFD = stderrPipe[0]
        _ = fcntl(writeFD, F_SETFL, fcntl(writeFD, F_GETFL) | O_NONBLOCK)
        defer {
            if writeFD >= 0 { close(writeFD) }
            if readFD >= 0 { close(readFD) }
        }

        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)

        var written = 0
        var stderrBytes: [UInt8] = []
        var status: Int32 = 0
        let bytes = [UInt8](input)
        func readStderr() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while readFD >= 0 {
                let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if count > 0 {
                    // Only the first line matters; keep a bounded prefix.
                    if stderrBytes.count < 4096 { stderrBytes += buffer[0..<count] }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    if count == 0 || errno != EAGAIN {
                        close(readFD)
                        readFD = -1
                    }
                    return
                }
            }
        }
        while true {
            // Exit is checked on every turn, not inferred from EOF: a background child of the script may hold
            // stderr open after the script itself has exited.
            if waitpid(pid, &status, WNOHANG) == pid {
                readStderr()
                break
            }
            if interrupted.withLock({ $0 }) {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return .retryable("interrupted: the daemon was stopping")
            }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero {
                // The negative pid names the process group the child leads.
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return .retryable("timed out after \(formatSeconds(configuration.timeoutSeconds)) s")
            }
            var fds: [pollfd] = []
            if writeFD >= 0 { fds.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            if readFD >= 0 { fds.append(pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)) }
            // Short turns so an exit is noticed promptly without SIGCHLD handling.
            let ready = fds.isEmpty ? Int32(usleep(20_000)) : poll(&fds, nfds_t(fds.count), 20)
            guard ready > 0 else { continue }
            for entry in fds where entry.revents != 0 {
                if entry.fd == writeFD {
                    let count = bytes[written...].withUnsafeBytes { write(writeFD, $0.baseAddress, $0.count) }
                    if count > 0 { written += count }
                    // Done, or the child closed its stdin (EPIPE): either way stop writing.
                    if written == bytes.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(writeFD)
                        writeFD = -1
                    }
                } else if entry.fd == readFD {
                    readStderr()
                }
            }
        }

        let firstLine = DeliveryResult.shorten(String(decoding: stderrBytes, as: UTF8.self))
        if status & 0x7f != 0 {
            return .retryable("killed by signal \(status & 0x7f)" + (firstLine.isEmpty ? "" : ": \(firstLine)"))
        }
        let code = (status >> 8) & 0xff
        if code == 0 { return .delivered(firstLine.isEmpty ? "exit 0" : firstLine) }
        let reason = "exit \(code)" + (firstLine.isEmpty ? "" : ": \(firstLine)")
        return configuration.permanentExitCodes.contains(code) ? .permanent(reason) : .retryable(reason)
    }

    private enum Spawned {
        case success(pid_t)
        case failure(String)
    }

    private static func spawn(_ configuration: Configuration, stdin: Int32, stderr: Int32) -> Spawned {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Own process group (pgid = pid) so a timeout can kill the script and everything it started;
        // default signal dispositions and an empty mask, whatever the daemon set for itself.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = [configuration.executable] + configuration.arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        var result: Int32 = 0
        for _ in 0..<20 {
            result = posix_spawn(&pid, configuration.executable, &actions, &attributes, &cArguments, environ)
            // ETXTBSY: the script is open for writing, typically only for the instant between a concurrent
            // fork and its exec (or while the station edits it); worth a short wait, not a failed attempt.
            guard result == ETXTBSY else { break }
            usleep(10_000)
        }
        guard result == 0 else { return .failure(String(cString: strerror(result))) }
        return .success(pid)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if os(Linux)
    // Glibc declares pipe2 only under _GNU_SOURCE, which the Swift module does not see.
    @_silgen_name("pipe2")
    private func systemPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif

/// A pipe whose ends close on exec, created atomically where the system allows.
private func makePipe(_ fds: inout [Int32]) -> Int32 {
    #if os(Linux)
        return systemPipe2(&fds, O_CLOEXEC)
    #else
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    #endif
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
