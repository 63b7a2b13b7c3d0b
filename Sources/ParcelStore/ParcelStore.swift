import Dispatch
import Foundation
internal import GRDB
import ParcelDomain
import Synchronization

/// Errors of the store itself (as opposed to domain rules).
public enum StoreError: Error, Equatable, Sendable {
    /// The writer connection is not at `synchronous=FULL`, so a commit could be lost on power failure.
    case notDurable(synchronous: Int)
    /// The disk is full; nothing of the failed request was written.
    case diskFull
    /// The database file is unreadable, locked by another process or corrupt.
    case unavailable(String)
    /// A schema invariant refused the write (a bug upstream or a race); nothing was written.
    case constraint(String)
    /// The store was closed.
    case closed
}

/// The station ledger on SQLite: one WAL-mode `DatabasePool`, writes group-committed at `synchronous=FULL`.
///
/// Every write goes through `write(_:)`, which hands it to the one writer thread (`WriteBatcher`). Writes that
/// arrive while a commit is in progress wait and are then committed together in one transaction, each inside its
/// own savepoint, so one failing request does not undo another's and each caller returns only after the
/// transaction holding its change has committed. One fsync then serves many clients (group commit).
public final class ParcelStore: Sendable {
    let pool: DatabasePool
    let batcher: WriteBatcher
    /// The path of the SQLite file.
    public let path: String

    /// Opens (creating if needed) the ledger at `path`, migrates it and checks durability.
    public convenience init(path: String) throws {
        try self.init(path: path, gatherPolicy: .standard)
    }

    init(path: String, gatherPolicy: GatherPolicy) throws {
        self.path = path
        var config = Configuration()
        config.label = "ledger"
        config.foreignKeysEnabled = true
        // Another process (sqlite3 by hand, a backup) may hold a lock briefly.
        config.busyMode = .timeout(5)
        config.maximumReaderCount = 4
        // Erased and overwritten values are overwritten with zeros in the file (and so in the WAL's page images),
        // on every connection from its first statement: the privacy purge relies on it, and so do index entries
        // dropped long before a purge (a released parcel's phone tail leaves `parcel_active_phone_tail`). ON, not
        // FAST: FAST leaves whole freed pages as they were (README, "Purge").
        // `PARCEL_STATION_SECURE_DELETE` (FAST, OFF) is read for `parcel-bench --purge`, which compares the modes.
        let secureDelete =
            ProcessInfo.processInfo.environment["PARCEL_STATION_SECURE_DELETE"].flatMap { ["FAST", "OFF"].contains($0) ? $0 : nil } ?? "ON"
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = \(secureDelete)") }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
            // GRDB sets the writer to synchronous=NORMAL when it enables WAL; the ledger promises that an
            // acknowledged scan survives power loss, which needs FULL on the writer connection.
            let level = try pool.barrierWriteWithoutTransaction { db -> Int in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Each request runs in its own savepoint; with temp files on disk, every page a request first
                // touches was also copied to a temporary statement journal file (several writes per scan).
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            }
            guard level == 2 else { throw StoreError.notDurable(synchronous: level) }
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
        batcher = WriteBatcher(pool: pool, gatherPolicy: gatherPolicy)
    }

    deinit {
        // Without `close()`: the writer thread ends once it has committed what is pending.
        batcher.shutdown(waiting: false)
    }

    /// `PRAGMA synchronous` as the writer connection reports it (2 = FULL).
    public func writerSynchronous() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// `PRAGMA journal_mode` (expected `wal`).
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Runs `body` in the next group commit and returns its result once that transaction has committed.
    /// If `body` throws, its own changes are rolled back and the error is rethrown; other callers in the same
    /// batch are unaffected.
    public func write<T: Sendable>(_ body: @escaping @Sendable (LedgerTransaction) throws -> T) async throws -> T {
        try await batcher.submit(body)
    }

    /// Runs `body` on a reader connection (a consistent snapshot, concurrent with writes).
    public func read<T: Sendable>(_ body: @escaping @Sendable (LedgerReader) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(LedgerReader(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
    }

    /// Synchronous read, for tools and tests.
    public func readNow<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(LedgerReader(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
    }

    /// `PRAGMA integrity_check` result lines ("ok" when healthy).
    public func integrityCheck() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Stops accepting writes, waits for the ones in flight, then closes every connection.
    public func close() throws {
        batcher.shutdown()
        // After the last write: fold the WAL into the file and truncate it. GRDB closes the writer before the
        // (read-only) readers, so no connection would checkpoint on close and the WAL would stay behind.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try pool.close()
    }
}

extension StoreError {
    init(_ error: DatabaseError) {
        switch error.resultCode {
        case .SQLITE_FULL: self = .diskFull
        case .SQLITE_CONSTRAINT: self = .constraint(error.message ?? "constraint failed")
        default:
            // The primary code names the failure without leaking SQL text.
            self = .unavailable("SQLite error \(error.resultCode.rawValue): \(error.message ?? "")")
        }
    }
}

/// The ledger's one writer: a thread of its own commits every batch; callers only enqueue and await.
///
/// Its rules, kept by structure:
/// - Every transaction runs on `thread`: SQLite calls block, and must stay off the Swift concurrency pool. (A
///   dedicated thread woken by a semaphore, rather than a serial `DispatchQueue`: the hand-off costs the same,
///   7-12 µs against 9-13 µs round trip measured side by side, and the thread can own the writer's memory.)
/// - Group commit: writes that arrive while a batch commits go into the next batch, one transaction, each in its
///   own savepoint (`inJobSavepoint`), so one failing write does not undo another's; each caller is answered
///   only after the transaction holding its change has committed. A batch of one skips the savepoint.
/// - After slow COMMITs the writer waits briefly for late writes before taking a batch (`GatherPolicy`).
/// - The writer's memory (`WriterMemory`) is a local of the thread, handed to each job's `LedgerTransaction`
///   and dropped where a job or a batch rolls back: `inJobSavepoint` and `commit`.
final class WriteBatcher: Sendable {
    /// How a write's caller is answered once its batch has committed.
    typealias Answer = @Sendable () -> Void

    struct Job: Sendable {
        /// Runs the write inside the batch's transaction, on the writer thread.
        let run: @Sendable (LedgerTransaction) throws -> Answer
        /// Answers the caller with the error that undid its write (its own, or its batch's).
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var closed = false
        /// The writer thread waits on `wake` for a first write.
        var idle = false
        /// While the writer gathers (`gatherLateWrites`): the number of pending writes that ends its wait early.
        var gatherTarget: Int?
        /// The batch committed last, and how many writes were pending when it ended (they arrived during it;
        /// its own writers had not been answered yet).
        var lastBatchSize = 0
        var pendingAfterLastCommit = 0
        /// How long recent COMMIT statements took (the WAL write and flush).
        var commitTimes = RecentCommitTimes()
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
    /// Wakes the writer when it is idle or gathering (`State.idle`, `State.gatherTarget`) and work arrives.
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled once the writer thread has committed its last batch and ended.
    private let stopped = DispatchSemaphore(value: 0)
    private let gatherPolicy: GatherPolicy
    /// The writer thread, once it runs (tests check that every COMMIT runs on it).
    let writerThread = Mutex<pthread_t?>(nil)

    init(pool: DatabasePool, gatherPolicy: GatherPolicy = .standard) {
        self.pool = pool
        self.gatherPolicy = gatherPolicy
        Thread { [self] in
            // Named from inside: on Linux a name set before `start()` does not reach the thread.
            Thread.current.name = Self.threadName
            writerThread.withLock { $0 = pthread_self() }
            runWriter()
        }.start()
    }

    /// Seen in `top -H` and `ps -T`; Linux keeps 15 bytes of a thread name and refuses longer ones.
    static let threadName = "ledger-writer"

    func submit<T: Sendable>(_ body: @escaping @Sendable (LedgerTransaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue(
                Job(
                    run: { transaction in
                        let value = try body(transaction)
                        return { continuation.resume(returning: value) }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
    }

    /// Adds `job` to the next batch and wakes the writer if it waits for it.
    func enqueue(_ job: Job) {
        let (accepted, signal) = state.withLock { state -> (Bool, Bool) in
            if state.closed { return (false, false) }
            state.pending.append(job)
            if state.idle {
                state.idle = false
                return (true, true)
            }
            if let target = state.gatherTarget, state.pending.count >= target {
                state.gatherTarget = nil
                return (true, true)
            }
            return (true, false)
        }
        if signal { wake.signal() }
        if !accepted { job.fail(StoreError.closed) }
    }

    /// Stops taking writes; the writer commits what is pending, then ends. `waiting`: returns only once it has.
    func shutdown(waiting: Bool = true) {
        let signal = state.withLock { state -> Bool in
            state.closed = true
            defer { (state.idle, state.gatherTarget) = (false, nil) }
            return state.idle || state.gatherTarget != nil
        }
        if signal { wake.signal() }
        guard waiting else { return }
        stopped.wait()
        stopped.signal()  // for a second caller
    }

    /// The writer thread: batch after batch until closed with nothing pending.
    private func runWriter() {
        let memory = WriterMemory()
        while let batch = nextBatch() { commit(batch, memory: memory) }
        stopped.signal()
    }

    /// Everything pending, once there is something (after gathering late writes); nil once closed and empty.
    private func nextBatch() -> [Job]? {
        gatherLateWrites()
        while true {
            let batch = state.withLock { state -> [Job]? in
                if !state.pending.isEmpty {
                    defer { state.pending = [] }
                    return state.pending
                }
                if state.closed { return nil }
                state.idle = true
                return []
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            wake.wait()
        }
    }

    /// On a disk whose flush is slow, waits briefly for the writers the last commit answered before taking the
    /// next batch.
    ///
    /// Those writers (busy scanners, a client scanning a pile) usually send their next write within a fraction
    /// of a millisecond. Taken at once, the next batch holds only the writes that arrived during the last
    /// commit, and they arrive during this one: batches alternate between two halves of the writers, and each
    /// write waits for two flushes. Waiting until they are back, or for as long as `GatherPolicy` allows, lets
    /// one flush serve them all. A fast disk never waits (see `GatherPolicy`).
    private func gatherLateWrites() {
        let wait = state.withLock { state -> UInt64? in
            guard !state.closed,
                let plan = gatherPolicy.plan(
                    commitNanos: state.commitTimes.shortest, lastBatchSize: state.lastBatchSize, pending: state.pendingAfterLastCommit),
                state.pending.count < plan.target
            else { return nil }
            state.gatherTarget = plan.target
            return plan.waitNanos
        }
        guard let wait else { return }
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(wait)))
        state.withLock { $0.gatherTarget = nil }
        // A wake-up sent after the timeout but before the line above would end the next wait at once.
        while wake.wait(timeout: .now()) == .success {}
    }

    /// Records the batch just committed for the next `gatherLateWrites`; called before its writers are answered,
    /// so that any write pending now is one that arrived during the commit, not one of theirs.
    private func noteCommitted(batchSize: Int, commitNanos: UInt64) {
        state.withLock { state in
            state.lastBatchSize = batchSize
            state.commitTimes.record(commitNanos)
            state.pendingAfterLastCommit = state.pending.count
        }
    }

    /// Commits `batch` in one transaction and answers its callers.
    private func commit(_ batch: [Job], memory: WriterMemory) {
        var outcomes: [Result<Answer, any Error>] = []
        outcomes.reserveCapacity(batch.count)
        var bodyEnd: UInt64 = 0
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    defer { bodyEnd = DispatchTime.now().uptimeNanoseconds }
                    let transaction = LedgerTransaction(db: db, memory: memory)
                    if batch.count == 1 {
                        // A batch of one (a lone client's every write): its transaction is all the isolation it
                        // needs, so it skips the savepoint's two statements. If it throws, the transaction rolls back.
                        outcomes.append(.success(try batch[0].run(transaction)))
                        return .commit
                    }
                    for job in batch {
                        do {
                            outcomes.append(.success(try Self.inJobSavepoint(db, memory: memory) { try job.run(transaction) }))
                        } catch let lost as SavepointLost {
                            throw lost.underlying
                        } catch let error as DatabaseError {
                            // Disk full or I/O errors poison the whole transaction; rethrow so all callers fail.
                            if error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
                                || error.resultCode == .SQLITE_CORRUPT
                            {
                                throw error
                            }
                            outcomes.append(.failure(StoreError(error)))
                        } catch {
                            outcomes.append(.failure(error))
                        }
                    }
                    return .commit
                }
            }
        } catch {
            // The batch's one place of rollback: the transaction was rolled back, or never began, or its COMMIT
            // failed. The memory may hold what its jobs wrote.
            memory.forget()
            let failure: any Error = (error as? DatabaseError).map(StoreError.init) ?? error
            batch.forEach { $0.fail(failure) }
            return
        }
        noteCommitted(batchSize: batch.count, commitNanos: DispatchTime.now().uptimeNanoseconds - bodyEnd)
        for (job, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .success(let answer): answer()
            case .failure(let error): job.fail(error)
            }
        }
    }

    /// Runs `body` inside a savepoint, rolled back (and the error rethrown) if it throws: a job's one place of
    /// rollback, which also drops the writer's memory. The three statements come from the statement cache:
    /// GRDB's `inSavepoint` compiles its SQL anew for every job, on the one thread every waiting scan is queued behind.
    static func inJobSavepoint<T>(_ db: Database, memory: WriterMemory, _ body: () throws -> T) throws -> T {
        try db.executeHot("SAVEPOINT job", [])
        let result: T
        do {
            result = try body()
        } catch {
            memory.forget()
            // Undo the job's changes and drop the savepoint; the transaction and the other jobs go on. If they
            // cannot be undone, the batch must not commit them: `SavepointLost` fails the whole transaction.
            do {
                try db.executeHot("ROLLBACK TO SAVEPOINT job", [])
                try db.executeHot("RELEASE SAVEPOINT job", [])
            } catch let rollback as DatabaseError {
                throw SavepointLost(underlying: rollback)
            }
            throw error
        }
        try db.executeHot("RELEASE SAVEPOINT job", [])
        return result
    }

    /// A job's savepoint could not be rolled back; carries SQLite's error to the batch, which then fails whole.
    struct SavepointLost: Error {
        let underlying: DatabaseError
    }
}

/// When the writer waits for late writes before a batch (`WriteBatcher.gatherLateWrites`), and for how long.
struct GatherPolicy: Sendable {
    /// COMMITs faster than this are CPU, not a flush: waiting could only add latency. A virtual disk whose host
    /// acknowledges flushes at once commits in under 0.1 ms; a spinning disk takes 5-15 ms, a cheap SSD or eMMC 1-5.
    var slowCommitNanos: UInt64 = 500_000
    /// The wait, as a share of a COMMIT's time...
    var commitShare: Double = 0.5
    /// ...and at most this: a write from a one-off writer is delayed at most this much.
    var maximumWaitNanos: UInt64 = 2_000_000

    static let standard = GatherPolicy()

    struct Plan: Equatable {
        /// End the wait once this many writes are pending.
        let target: Int
        let waitNanos: UInt64
    }

    /// After a batch of `lastBatchSize`, with `pending` writes waiting when it ended, and recent COMMITs taking at
    /// least `commitNanos`: wait for the last batch's writers to be back (half a commit at most, 2 ms at most),
    /// or not at all.
    func plan(commitNanos: UInt64, lastBatchSize: Int, pending: Int) -> Plan? {
        guard commitNanos >= slowCommitNanos, lastBatchSize > 0 else { return nil }
        let share = UInt64(min(Double(maximumWaitNanos), Double(commitNanos) * commitShare))
        return Plan(target: pending + lastBatchSize, waitNanos: share)
    }
}

/// The durations of the last few COMMITs. Their shortest is what a flush costs on this disk: a busy CPU (the
/// committing thread descheduled) or a checkpoint makes single COMMITs slow on any disk, but not all of them,
/// while on a slow disk every COMMIT waits for its flush.
struct RecentCommitTimes {
    private var times: [UInt64] = []
    private var next = 0
    static let count = 8

    /// The shortest of the recent COMMITs; 0 until there have been `count` of them.
    var shortest: UInt64 { times.count < Self.count ? 0 : times.min() ?? 0 }

    mutating func record(_ nanos: UInt64) {
        if times.count < Self.count {
            times.append(nanos)
        } else {
            times[next] = nanos
        }
        next = (next + 1) % Self.count
    }
}
