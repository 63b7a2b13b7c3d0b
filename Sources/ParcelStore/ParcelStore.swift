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
/// Every write goes through `write(_:)`. Writes that arrive while a commit is in progress wait and are then
/// committed together in one transaction, each inside its own savepoint, so one failing request does not
/// undo another's and each caller returns only after the transaction holding its change has committed.
/// One fsync then serves many clients (group commit); a lone client waits for nothing.
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

/// Collects writes and commits them in batches, one batch at a time: on the caller's thread when the writer
/// was idle, else on one serial queue.
final class WriteBatcher: Sendable {
    struct Job: Sendable {
        let run: @Sendable (Database) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
        var closed = false
        /// While the drainer gathers (`gatherLateWrites`): the number of pending writes that ends its wait early.
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
    private let occupancyCache = LayerOccupancyCache()
    private let chainHead = ChainHead()
    // Batches that queue up while a commit runs are drained here, off the Swift concurrency pool: SQLite
    // calls block. Only the first batch after an idle spell is committed on its caller's thread (`submit`).
    private let queue = DispatchQueue(label: "parcel-station.ledger-writer")
    /// Wakes a gathering drainer once enough writes are pending (or the store closes).
    private let gathered = DispatchSemaphore(value: 0)

    private let gatherPolicy: GatherPolicy

    init(pool: DatabasePool, gatherPolicy: GatherPolicy = .standard) {
        self.pool = pool
        self.gatherPolicy = gatherPolicy
    }

    func submit<T: Sendable>(_ body: @escaping @Sendable (LedgerTransaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let box = ResultBox<T>()
            let job = Job(
                run: { [occupancyCache, chainHead] db in
                    box.value = try body(LedgerTransaction(db: db, occupancyCache: occupancyCache, chainHead: chainHead))
                },
                finish: { error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let value = box.value {
                        continuation.resume(returning: value)
                    } else {
                        continuation.resume(throwing: StoreError.unavailable("write produced no result"))
                    }
                })
            enqueue(job)
        }
    }

    /// Adds `job` to the next batch; commits it on this thread when the writer was idle. `job.finish` is called
    /// once its batch has committed or failed.
    func enqueue(_ job: Job) {
        var wake = false
        let start = state.withLock { state -> Bool? in
            if state.closed { return nil }
            state.pending.append(job)
            if let target = state.gatherTarget, state.pending.count >= target {
                state.gatherTarget = nil
                wake = true
            }
            if state.draining { return false }
            state.draining = true
            return true
        }
        if wake { gathered.signal() }
        switch start {
        case nil: job.finish(StoreError.closed)
        case true?:
            // The writer was idle, so this caller commits the waiting batch (its own write in it) itself
            // instead of waking the writer queue and then being woken by it: two thread hand-offs fewer for
            // a lone client's every scan. Whatever queued meanwhile goes to the queue, so a caller's thread
            // is held for one commit at most and a busy station's batches drain off the pool as before.
            commit(takePending())
            if !stopDrainingIfIdle() { queue.async { self.drain() } }
        case false?: break
        }
    }

    func shutdown() {
        let gathering = state.withLock { state -> Bool in
            state.closed = true
            defer { state.gatherTarget = nil }
            return state.gatherTarget != nil
        }
        if gathering { gathered.signal() }
        // Wait for the batch in flight (on the queue or on a caller's thread) and anything queued before
        // `closed` was set: draining ends only once nothing is pending.
        while state.withLock({ $0.draining }) { usleep(1_000) }
        queue.sync {}
        let leftovers = state.withLock { state -> [Job] in
            defer { state.pending = [] }
            return state.pending
        }
        leftovers.forEach { $0.finish(StoreError.closed) }
    }

    /// Drops what the writer remembers of writes that may have been rolled back.
    private func forgetUncommitted() {
        occupancyCache.invalidateAll()
        chainHead.invalidate()
    }

    /// Commits batch after batch until nothing is pending; started only when something is. After a slow
    /// commit it first waits for late writes, also before it gives up the drainer's role: otherwise the first
    /// writer back would commit alone on its own thread and the others would queue behind that commit.
    private func drain() {
        while true {
            gatherLateWrites()
            if stopDrainingIfIdle() { return }
            commit(takePending())
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
        _ = gathered.wait(timeout: .now() + .nanoseconds(Int(wait)))
        state.withLock { $0.gatherTarget = nil }
        // A wake-up sent after the timeout but before the line above would end the next gathering at once.
        while gathered.wait(timeout: .now()) == .success {}
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

    /// Everything pending, as the next batch; only the drainer (`draining`) takes it.
    private func takePending() -> [Job] {
        state.withLock { state -> [Job] in
            defer { state.pending = [] }
            return state.pending
        }
    }

    /// Gives up the drainer's role when nothing is pending (true); keeps it when more is waiting (false).
    private func stopDrainingIfIdle() -> Bool {
        state.withLock { state -> Bool in
            guard state.pending.isEmpty else { return false }
            state.draining = false
            return true
        }
    }

    private func commit(_ batch: [Job]) {
        if batch.count == 1 {
            commitAlone(batch[0])
            return
        }
        var errors = [(any Error)?](repeating: nil, count: batch.count)
        var bodyEnd: UInt64 = 0
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    defer { bodyEnd = DispatchTime.now().uptimeNanoseconds }
                    for (index, job) in batch.enumerated() {
                        do {
                            try Self.inJobSavepoint(db) { try job.run(db) }
                        } catch let lost as SavepointLost {
                            throw lost.underlying
                        } catch let error as DatabaseError {
                            // A rolled-back job may have told the layer memory of writes that never happened.
                            forgetUncommitted()
                            // Disk full or I/O errors poison the whole transaction; rethrow so all callers fail.
                            if error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR
                                || error.resultCode == .SQLITE_CORRUPT
                            {
                                throw error
                            }
                            errors[index] = StoreError(error)
                        } catch {
                            forgetUncommitted()
                            errors[index] = error
                        }
                    }
                    return .commit
                }
            }
        } catch {
            forgetUncommitted()
            let failure: any Error = (error as? DatabaseError).map(StoreError.init) ?? error
            batch.forEach { $0.finish(failure) }
            return
        }
        noteCommitted(batchSize: batch.count, commitNanos: DispatchTime.now().uptimeNanoseconds - bodyEnd)
        for (job, error) in zip(batch, errors) { job.finish(error) }
    }

    /// Runs `body` inside a savepoint, rolled back (and the error rethrown) if it throws. The three statements
    /// come from the statement cache: GRDB's `inSavepoint` compiles its SQL anew for every job, on the one
    /// thread every other waiting scan is queued behind.
    static func inJobSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        try db.executeHot("SAVEPOINT job", [])
        do {
            try body()
        } catch {
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
    }

    /// A job's savepoint could not be rolled back; carries SQLite's error to the batch, which then fails whole.
    struct SavepointLost: Error {
        let underlying: DatabaseError
    }

    /// A batch of one (a lone client's every write): its transaction is all the isolation it needs, so it
    /// skips the savepoint's two extra statements. A failure rolls the transaction back instead.
    private func commitAlone(_ job: Job) {
        var jobError: (any Error)? = nil
        var bodyEnd: UInt64 = 0
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    defer { bodyEnd = DispatchTime.now().uptimeNanoseconds }
                    do {
                        try job.run(db)
                        return .commit
                    } catch {
                        jobError = error
                        return .rollback
                    }
                }
            }
        } catch {
            jobError = error
        }
        if let error = jobError {
            forgetUncommitted()
            job.finish((error as? DatabaseError).map(StoreError.init) ?? error)
        } else {
            noteCommitted(batchSize: 1, commitNanos: DispatchTime.now().uptimeNanoseconds - bodyEnd)
            job.finish(nil)
        }
    }
}

/// When the drainer waits for late writes before a batch (`WriteBatcher.gatherLateWrites`), and for how long.
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

/// Carries a job's result from the drainer to its continuation.
private final class ResultBox<T>: @unchecked Sendable {
    // Written by the drainer before it calls `finish` on the same thread; never touched concurrently.
    var value: T?
}
