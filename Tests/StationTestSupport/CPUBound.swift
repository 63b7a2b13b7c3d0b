import Foundation
public import Testing

/// Runs the jobs of the tasks that prefer it on `width` threads of its own, first come first served.
///
/// On Linux the cooperative pool and Dispatch's global queues share one set of threads, one per core: a test that
/// decodes photos synchronously (zbar, ZXing, Tesseract) for seconds holds one of them, and a handful of such
/// tests in parallel stall every other suite's timers and awaits in the same process (a watchdog ping or an
/// exec channel's timeout then looks late). Tests that do such work run here instead, as the daemon's decodes run
/// on threads of their own (`LabelDecodingPool`).
public final class DedicatedThreadsExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    /// `name` and the thread's number name each thread (Linux keeps 15 bytes of a thread's name).
    public init(width: Int, name: String) {
        for index in 0..<max(1, width) {
            let thread = Thread { [self] in
                // Set from the thread itself: on Linux a name given before start() is not applied to the thread.
                Thread.current.name = "\(name)-\(index)"
                work()
            }
            // As on the daemon's decoding threads (LabelDecodingPool.threadStack).
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// A test or suite trait: the test's body runs on the threads of `executor` rather than the cooperative pool. Its
/// expectations are recorded as usual (same task, same task-locals).
public struct DedicatedThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    /// Synchronous, CPU-bound work (decodes). Shared by every suite that uses it, so together they leave a core to
    /// the rest of the tests (on two cores, with all of them: a county link's deadlines and the pool's decodes then
    /// missed theirs).
    public static let cpuBoundExecutor = DedicatedThreadsExecutor(
        width: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), name: "cpu-bound")

    /// Synchronous waits on other processes (a daemon's socket polled until it answers, a command's exit). On the
    /// cooperative pool (one thread per core) two such waits held it whole: on a busy 2-core CI machine every other
    /// suite stood still for the first ~60 s of the run while the end-to-end suites started their daemons, and the
    /// suites that time async work (an exec channel's timeout, a watchdog ping) failed. As many threads as the pool
    /// had, so as many daemons start and decode at once as before: 32 let all 22 suites start theirs together, and
    /// the CPU-bound decode tests beside them missed their time bounds.
    public static let waitsExecutor = DedicatedThreadsExecutor(
        width: max(2, ProcessInfo.processInfo.activeProcessorCount), name: "waits")

    public let executor: DedicatedThreadsExecutor

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == DedicatedThreadsTrait {
    /// Runs the test's synchronous, CPU-bound work off the cooperative pool (see `DedicatedThreadsExecutor`).
    public static var cpuBound: Self { DedicatedThreadsTrait(executor: DedicatedThreadsTrait.cpuBoundExecutor) }

    /// Runs the test's synchronous waits on other processes off the cooperative pool.
    public static var waitsOnProcesses: Self { DedicatedThreadsTrait(executor: DedicatedThreadsTrait.waitsExecutor) }
}
