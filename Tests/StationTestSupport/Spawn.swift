public import Foundation

/// Starting child processes with their output in a file and reaping them with waitpid, for tests and benchmarks
/// that run many processes at once. Foundation's Process was seen to miss a child's exit and wait for ever (under
/// a lock on a test thread, and for a SIGKILLed child), and a pipe inherited by a sibling process keeps a read to
/// the end waiting for as long as that sibling lives; a file and posix_spawn have neither problem.
public enum Spawn {
    /// Starts `arguments` (an absolute path first) with stdin from /dev/null and stdout and stderr into `log`;
    /// `environment` nil keeps this process's. Returns the child's pid.
    public static func start(_ arguments: [String], log: String, environment: [String: String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] =
            (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, &envp)
        guard spawned == 0 else { throw SpawnError(description: "cannot run \(arguments[0]): error \(spawned)") }
        return pid
    }

    /// Runs `arguments` to its end; returns its exit status (as waitpid gives it) and everything it printed.
    public static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = "/tmp/parcel-spawn-\(UUID().uuidString).log"
        defer { unlink(log) }
        let pid = try start(arguments, log: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
}
