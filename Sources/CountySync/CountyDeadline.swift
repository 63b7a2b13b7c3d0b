import Foundation
import Synchronization

/// A county call that gave up waiting: the county (or the network to it) did not answer in time.
public struct CountyTimeout: Error, CustomStringConvertible, Sendable {
    public let what: String
    public let seconds: Double
    public var description: String {
        "the county did not answer within \(seconds.formatted(.number.precision(.fractionLength(0...1)))) s (\(what))"
    }
}

/// Runs `body` in a task of its own and returns whichever comes first: its result, the deadline (`CountyTimeout`)
/// or the caller's cancellation (`CancellationError`). `giveUp` runs when the deadline or the cancellation wins
/// (the caller closes the connection there, so the abandoned call fails and its task ends); `late` gets a result
/// that arrived after the race was lost (a connection to close).
///
/// Outside structured concurrency on purpose: PostgresNIO calls ignore cancellation, and a query written to a
/// channel that has just closed never completes; a task group would wait for such a child for ever.
public func withCountyDeadline<T: Sendable>(
    _ deadline: Duration, _ what: String, giveUp: @escaping @Sendable () -> Void = {}, late: @escaping @Sendable (T) -> Void = { _ in },
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = FirstResult<T>()
    let work = Task {
        do {
            let value = try await body()
            if !race.finish(.success(value)) { late(value) }
        } catch {
            race.finish(.failure(error))
        }
    }
    let timer = Task {
        guard (try? await Task.sleep(for: deadline)) != nil else { return }
        if race.finish(.failure(CountyTimeout(what: what, seconds: Double(deadline / .milliseconds(1)) / 1000))) {
            giveUp()
            work.cancel()
        }
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in race.wait(continuation) }
    } onCancel: {
        if race.finish(.failure(CancellationError())) {
            giveUp()
            work.cancel()
        }
    }
}

/// The first of several results, handed to one waiting continuation whether it arrives before or after the wait.
private final class FirstResult<T: Sendable>: Sendable {
    private enum Stage {
        case open(CheckedContinuation<T, any Error>?)
        case finished(Result<T, any Error>)
    }
    private let stage = Mutex<Stage>(.open(nil))

    /// True when this result won.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let waiting: CheckedContinuation<T, any Error>?? = stage.withLock { stage in
            guard case .open(let continuation) = stage else { return .none }
            stage = .finished(result)
            return .some(continuation)
        }
        guard case .some(let continuation) = waiting else { return false }
        continuation?.resume(with: result)
        return true
    }

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        let ready: Result<T, any Error>? = stage.withLock { stage in
            switch stage {
            case .open:
                stage = .open(continuation)
                return nil
            case .finished(let result):
                return result
            }
        }
        if let ready { continuation.resume(with: ready) }
    }
}
