import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Synchronization
import Testing

@testable import ParcelStore

/// Store tests on real SQLite files in temporary folders.
@Suite struct ParcelStoreTests {
    let directory: TemporaryDirectory
    let store: ParcelStore

    init() throws {
        directory = try TemporaryDirectory(prefix: "parcel-store")
        store = try ParcelStore(path: directory.file("parcels.sqlite"))
    }

    // Synchronous raw access: inside async tests GRDB would pick its async overloads.
    func rawRead<T>(_ body: (Database) throws -> T) throws -> T { try store.pool.read(body) }
    func rawExecute(_ sql: String) throws { try store.pool.writeWithoutTransaction { try $0.execute(sql: sql) } }
    func observeCommits(_ observer: some TransactionObserver) throws {
        try store.pool.writeWithoutTransaction { db in db.add(transactionObserver: observer, extent: .databaseLifetime) }
    }

    func newParcel(_ raw: String, at: Int64 = 1_000, tail: String? = "5678") throws -> NewParcel {
        NewParcel(tracking: try TrackingNumber(raw: raw), courier: nil, phoneTail: tail, phoneHash: nil, phoneFull: nil, at: at)
    }

    @Test func opensInWALWithFullSyncOnTheWriter() throws {
        #expect(try store.journalMode() == "wal")
        // The writer connection, not a reader: GRDB resets the writer to NORMAL when it enables WAL.
        #expect(try store.writerSynchronous() == 2)
        try store.close()
        let reopened = try ParcelStore(path: directory.file("parcels.sqlite"))
        #expect(try reopened.writerSynchronous() == 2)
        let applied = try reopened.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(
            applied == [
                "2026-11-22 ledger", "2026-11-22 handoffs", "2026-11-22 custody chain", "2026-11-22 stocktake", "2026-11-22 complaints",
                "2026-11-22 handoff lines still expected", "2026-11-22 notices", "2026-11-22 outgoing parcels", "2026-11-22 sync outbox",
                "2026-11-22 undo", "2026-11-22 manifest recipients", "2026-11-23 reminded parcels", "2026-12-03 phone set",
                "2026-12-04 problem parcels and pickup proofs", "2026-12-04 problem records", "2026-12-04 pickup misses",
                "2026-12-04 station events", "2026-12-05 privacy purge", "2026-12-06 township relay",
            ])
    }

    @Test func intakeWritesRowAndEventTogether() async throws {
        let parcel = try await store.write { [self] tx in try tx.insertParcel(try newParcel("SF1234567890123"), actor: "test") }
        #expect(parcel.state == .received)
        #expect(parcel.tracking == "SF1234567890123")
        let events = try store.readNow { try $0.events(parcelID: parcel.id) }
        #expect(events.map(\.kind) == [.intake])
        #expect(events.first?.toState == .received)
        #expect(events.first?.fromState == nil)
    }

    @Test func oneOpenStayPerTrackingNumber() async throws {
        let first = try newParcel("SF1234567890123")
        _ = try await store.write { tx in try tx.insertParcel(first, actor: "test") }
        await #expect(throws: StoreError.self) {
            _ = try await store.write { tx in try tx.insertParcel(first, actor: "test") }
        }
        // After the stay ends (picked up), the same number may arrive again as a new stay.
        try await store.write { tx in
            let parcel = try #require(try tx.activeParcel(tracking: "SF1234567890123"))
            let shelved = try tx.apply(.shelve, to: parcel, at: 2_000, actor: "t", slot: PickupCode(shelf: 1, layer: 1, sequence: 1))
            let pickup = try tx.insertPickup(PickupProof(at: 3_000, staff: "s", client: "c", method: "code", collector: nil))
            try tx.apply(.pickUp, to: shelved, at: 3_000, actor: "t", pickupID: pickup)
        }
        let again = try await store.write { tx in try tx.insertParcel(first, actor: "test") }
        #expect(again.state == .received)
        let stays = try store.readNow { try $0.search(ParcelQuery(tracking: "SF1234567890123")) }
        #expect(stays.count == 2)
    }

    @Test func illegalTransitionChangesNothing() async throws {
        let parcel = try await store.write { [self] tx in try tx.insertParcel(try newParcel("JT1234567890123"), actor: "t") }
        await #expect(throws: DomainError.illegalTransition(from: .received, action: .pickUp)) {
            _ = try await store.write { tx in try tx.apply(.pickUp, to: parcel, at: 5, actor: "t") }
        }
        let after = try #require(try store.readNow { try $0.parcel(id: parcel.id) })
        #expect(after.state == .received)
        #expect(try store.readNow { try $0.events(parcelID: parcel.id) }.count == 1)
    }

    @Test func eventLogIsAppendOnly() async throws {
        let parcel = try await store.write { [self] tx in try tx.insertParcel(try newParcel("YT1234567890123"), actor: "t") }
        #expect(throws: DatabaseError.self) {
            try rawExecute("UPDATE parcel_event SET actor = 'x'")
        }
        #expect(throws: DatabaseError.self) {
            try rawExecute("DELETE FROM parcel_event")
        }
        #expect(try store.readNow { try $0.events(parcelID: parcel.id) }.first?.actor == "t")
    }

    @Test func schemaRefusesInconsistentRows() throws {
        try store.pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO parcel (tracking, raw_scan, candidates, state, received_at, updated_at) VALUES ('A1', 'A1', '[]', 'received', 1, 1)"
            )
        }
        let invalid = [
            "UPDATE parcel SET state = 'lost'",  // not a state
            "UPDATE parcel SET state = 'pickedUp'",  // no released_at, no pickup proof
            "UPDATE parcel SET state = 'shelved'",  // waiting without a slot
            "UPDATE parcel SET shelf = 1",  // partial slot
            "UPDATE parcel SET phone_tail = '12a4'",
            "UPDATE parcel SET pickup_id = 99",  // foreign key
            "UPDATE parcel SET candidates = 'not json'",
            "INSERT INTO parcel (tracking, raw_scan, candidates, state, received_at, updated_at) VALUES (NULL, 'x', '[]', 'received', 1, 1)",
        ]
        for sql in invalid {
            #expect(throws: DatabaseError.self, "\(sql)") { try store.pool.write { db in try db.execute(sql: sql) } }
        }
    }

    @Test func oneFailingWriteInABatchDoesNotUndoTheOthers() async throws {
        let count = 40
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
                group.addTask { [store] in
                    do {
                        _ = try await store.write { tx -> Int64 in
                            let tracking = try TrackingNumber(raw: "SF\(String(1_000_000_000_000 + index))")
                            let parcel = try tx.insertParcel(
                                NewParcel(tracking: tracking, courier: "SF", phoneTail: nil, phoneHash: nil, phoneFull: nil, at: 1),
                                actor: "t")
                            // Every 10th request fails after writing: its savepoint must roll back.
                            if index % 10 == 0 { throw DomainError.noFreePickupCode }
                            return parcel.id
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == count - count / 10)
        let rows = try rawRead { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM parcel") }
        let events = try rawRead { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM parcel_event") }
        #expect(rows == count - count / 10)
        #expect(events == rows)
    }

    /// On a disk whose flush is slow (here a 4 ms COMMIT), the writers one commit answers are gathered into the
    /// next batch instead of alternating with the others, so 8 writers in closed loops share most commits.
    /// Taken at once, the next batch would hold only the writes that arrived during the commit.
    /// The writers are threads, not tasks, and the wait is stretched to 1 s, so that a test runner starving the
    /// concurrency pool cannot decide the outcome; the standard policy's bounds are tested below.
    @Test func slowCommitsGatherTheWritersTheyAnswered() throws {
        let patient = GatherPolicy(slowCommitNanos: 1_000_000, commitShare: 1_000, maximumWaitNanos: 1_000_000_000)
        let gathering = try ParcelStore(path: directory.file("gathering.sqlite"), gatherPolicy: patient)
        defer { try? gathering.close() }
        let commits = CommitCounter(delay: 0.004)
        try gathering.pool.writeWithoutTransaction { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        let (writers, rounds) = (8, 20)
        let failures = Mutex<[String]>([])
        // The writer judges the disk by its last few commits: let it see them first.
        for index in 0..<RecentCommitTimes.count {
            let answered = DispatchSemaphore(value: 0)
            gathering.batcher.enqueue(
                WriteBatcher.Job(
                    run: { tx in
                        try tx.db.execute(sql: "INSERT INTO station_meta (key, value) VALUES (?, x'00')", arguments: ["first \(index)"])
                        return { answered.signal() }
                    },
                    fail: { _ in answered.signal() }))
            answered.wait()
        }
        let commitsBefore = commits.count
        let done = DispatchGroup()
        for writer in 0..<writers {
            done.enter()
            Thread {
                defer { done.leave() }
                let answered = DispatchSemaphore(value: 0)
                for round in 0..<rounds {
                    gathering.batcher.enqueue(
                        WriteBatcher.Job(
                            run: { tx in
                                try tx.db.execute(
                                    sql: "INSERT INTO station_meta (key, value) VALUES (?, x'00')", arguments: ["w\(writer)-\(round)"])
                                return { answered.signal() }
                            },
                            fail: { error in
                                failures.withLock { $0.append("\(error)") }
                                answered.signal()
                            }))
                    answered.wait()
                }
            }.start()
        }
        done.wait()
        #expect(failures.withLock { $0 } == [])
        // One commit per round, plus the very first write, which commits alone before the others arrive (and one
        // more for slack). Without gathering this takes 24-28 commits, 6-7 writes each.
        #expect(commits.count - commitsBefore <= rounds + 2, "\(commits.count - commitsBefore) commits for \(writers * rounds) writes")
        #expect(
            try gathering.readNow { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM station_meta WHERE key GLOB 'w*'") } == writers
                * rounds)
    }

    @Test func gatheringWaitsOnlyAfterSlowCommits() {
        let policy = GatherPolicy.standard
        // A fast disk: never wait.
        #expect(policy.plan(commitNanos: 80_000, lastBatchSize: 8, pending: 0) == nil)
        #expect(policy.plan(commitNanos: 499_999, lastBatchSize: 3, pending: 2) == nil)
        // Slow: wait for the last batch's writers besides what is pending, half a commit at most, 2 ms at most.
        #expect(policy.plan(commitNanos: 1_000_000, lastBatchSize: 3, pending: 2) == .init(target: 5, waitNanos: 500_000))
        #expect(policy.plan(commitNanos: 9_000_000, lastBatchSize: 8, pending: 0) == .init(target: 8, waitNanos: 2_000_000))
        // Nothing committed yet.
        #expect(policy.plan(commitNanos: 9_000_000, lastBatchSize: 0, pending: 1) == nil)
    }

    /// A slow disk is one whose every recent COMMIT was slow: one slow COMMIT (a checkpoint, the writer thread
    /// descheduled on a busy CPU) among fast ones says nothing about the flush.
    @Test func aFlushIsJudgedByTheShortestRecentCommit() {
        var times = RecentCommitTimes()
        for _ in 0..<(RecentCommitTimes.count - 1) { times.record(3_000_000) }
        #expect(times.shortest == 0, "too few commits to judge")
        times.record(2_500_000)
        #expect(times.shortest == 2_500_000)
        times.record(90_000)
        #expect(times.shortest == 90_000)
        for _ in 0..<(RecentCommitTimes.count - 1) { times.record(8_000_000) }
        #expect(times.shortest == 90_000, "still among the last \(RecentCommitTimes.count)")
        times.record(8_000_000)
        #expect(times.shortest == 8_000_000)
    }

    /// The reminded count comes from its own partial index, so it is given however large the backlog (it was left
    /// out above 10,000 waiting parcels when it read every row), and only reminded waiting parcels older than
    /// the cutoff count.
    @Test func remindedParcelsAreCountedFromTheirIndexOnALargeBacklog() throws {
        let day: Int64 = 86_400_000
        let now = 30 * day
        try store.pool.write { db in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO parcel (tracking, raw_scan, candidates, state, shelf, layer, seq, received_at, shelved_at, updated_at, notices)
                    VALUES (?, ?, '[]', ?, ?, 1, ?, ?, ?, ?, ?)
                    """)
            for index in 0..<12_000 {
                let tracking = "SF\(1_000_000_000_000 + index)"
                // Every 7th notified twice or more, every 11th once; the first half shelved 5 days ago, the rest today.
                let notices = index % 7 == 0 ? 2 + index % 3 : index % 11 == 0 ? 1 : 0
                let shelvedAt = index < 6_000 ? now - 5 * day : now - 3_600_000
                try insert.execute(arguments: [
                    tracking, tracking, notices > 0 ? "notified" : "shelved", 1 + index / 9_999, 1 + index % 9_999, shelvedAt, shelvedAt,
                    shelvedAt, notices,
                ])
            }
            // Reminded but no longer waiting: picked up parcels do not count.
            try db.execute(sql: "INSERT INTO pickup (id, at, staff, client, method) VALUES (1, 1, 's', 'c', 'code')")
            try db.execute(
                sql: """
                    INSERT INTO parcel (tracking, raw_scan, candidates, state, shelf, layer, seq, received_at, shelved_at, updated_at,
                                        released_at, pickup_id, notices)
                    VALUES ('SF9000000000001', 'SF9000000000001', '[]', 'pickedUp', 5, 1, 1, 1, 1, 2, 2, 1, 4)
                    """)
        }
        let remindedAll = (0..<12_000).filter { $0 % 7 == 0 }.count
        let remindedOld = (0..<6_000).filter { $0 % 7 == 0 }.count
        #expect(try store.readNow { try $0.backlogAttention(now: now, olderThanHours: 0) }.reminded == remindedAll)
        #expect(try store.readNow { try $0.backlogAttention(now: now, olderThanHours: 48) }.reminded == remindedOld)
        let plan = try rawRead { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + LedgerReader.remindedCountSQL, arguments: [now]).map {
                $0["detail"] as String
            }
        }
        #expect(plan.joined().contains("USING COVERING INDEX parcel_reminded"), "\(plan)")
    }

    /// The per-job savepoint of a batch, on its own: a job that throws leaves nothing, the jobs before and
    /// after it in the same transaction keep their rows, the error reaches the caller, and the writer's memory
    /// is dropped by the rollback (and only by it).
    @Test func aJobSavepointRollsBackOnlyItsJob() throws {
        struct Refused: Error {}
        let memory = WriterMemory()
        let remembered = { memory.chainHead = (7, Data([7])) }
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TEMP TABLE job_rows (n INTEGER NOT NULL)")
            var failures: [String] = []
            try db.inTransaction(.immediate) {
                remembered()
                try WriteBatcher.inJobSavepoint(db, memory: memory) { try db.execute(sql: "INSERT INTO job_rows VALUES (1)") }
                #expect(memory.chainHead?.id == 7, "a job that succeeds keeps the memory")
                do {
                    try WriteBatcher.inJobSavepoint(db, memory: memory) {
                        try db.execute(sql: "INSERT INTO job_rows VALUES (2)")
                        throw Refused()
                    }
                } catch {
                    failures.append(error is Refused ? "refused" : "\(error)")
                }
                #expect(memory.chainHead == nil, "a rolled-back job drops the memory")
                remembered()
                do {
                    try WriteBatcher.inJobSavepoint(db, memory: memory) {
                        try db.execute(sql: "INSERT INTO job_rows VALUES (3)")
                        try db.execute(sql: "INSERT INTO job_rows VALUES (NULL)")
                    }
                } catch let error as DatabaseError {
                    failures.append(error.resultCode == .SQLITE_CONSTRAINT ? "constraint" : "\(error)")
                }
                try WriteBatcher.inJobSavepoint(db, memory: memory) { try db.execute(sql: "INSERT INTO job_rows VALUES (4)") }
                // A job whose savepoint is gone when it fails (here it released it itself) cannot be undone:
                // that must reach the batch as SavepointLost, which fails the whole transaction.
                do {
                    try WriteBatcher.inJobSavepoint(db, memory: memory) {
                        try db.execute(sql: "INSERT INTO job_rows VALUES (5)")
                        try db.execute(sql: "RELEASE SAVEPOINT job")
                        throw Refused()
                    }
                } catch is WriteBatcher.SavepointLost {
                    failures.append("lost")
                }
                try db.execute(sql: "DELETE FROM job_rows WHERE n = 5")
                return .commit
            }
            #expect(failures == ["refused", "constraint", "lost"])
            #expect(try Int.fetchAll(db, sql: "SELECT n FROM job_rows ORDER BY n") == [1, 4])
            try db.execute(sql: "DROP TABLE job_rows")
        }
    }

    @Test func diskFullFailsTheWriteAndKeepsEarlierData() async throws {
        _ = try await store.write { [self] tx in try tx.insertParcel(try newParcel("SF1111111111111"), actor: "t") }
        // Cap the file at its current size: the next page allocation fails with SQLITE_FULL, as on a full disk.
        let pages = try rawRead { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1 }
        try rawExecute("PRAGMA max_page_count = \(pages)")
        let big = String(repeating: "9", count: 36)
        await #expect(throws: StoreError.diskFull) {
            try await store.write { tx in
                for index in 0..<2_000 {
                    _ = try tx.insertParcel(
                        NewParcel(
                            tracking: try TrackingNumber(raw: "X\(index)\(big)".prefix(40).description), courier: nil, phoneTail: nil,
                            phoneHash: nil, phoneFull: nil, at: 1),
                        actor: String(repeating: "a", count: 500))
                }
            }
        }
        try rawExecute("PRAGMA max_page_count = 1073741823")
        let rows = try rawRead { db in try String.fetchAll(db, sql: "SELECT tracking FROM parcel") }
        #expect(rows == ["SF1111111111111"])
        // The store keeps working once space is back.
        _ = try await store.write { [self] tx in try tx.insertParcel(try newParcel("SF2222222222222"), actor: "t") }
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func backlogQueryUsesThePartialCoveringIndex() throws {
        let plan = try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + LedgerReader.backlogSQL, arguments: [0, 0, 0]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("parcel_backlog") && $0.contains("COVERING") }, "\(plan)")
    }

    @Test func backlogBucketsByAgeAndCourier() async throws {
        let hour: Int64 = 3_600_000
        let now: Int64 = 1_000 * hour
        // Ages in hours and couriers; the last one is picked up and must not count.
        let parcels: [(String, Int64, String?)] = [
            ("SF1000000000001", 1, "SF"), ("SF1000000000002", 30, "SF"), ("YT1000000000001", 50, "YTO"),
            ("YT1000000000002", 100, "YTO"), ("JT1000000000001", 200, "JT"), ("ABC123456", 200, nil),
        ]
        try await store.write { tx in
            for (index, (raw, age, courier)) in parcels.enumerated() {
                let at = now - age * hour
                let received = try tx.insertParcel(
                    NewParcel(
                        tracking: try TrackingNumber(raw: raw), courier: courier, phoneTail: nil, phoneHash: nil, phoneFull: nil, at: at),
                    actor: "t")
                try tx.apply(.shelve, to: received, at: at, actor: "t", slot: PickupCode(shelf: 1, layer: 1, sequence: index + 1))
            }
            let gone = try tx.insertParcel(
                NewParcel(
                    tracking: try TrackingNumber(raw: "SF1000000000009"), courier: "SF", phoneTail: nil, phoneHash: nil, phoneFull: nil,
                    at: now - 300 * hour),
                actor: "t")
            let shelved = try tx.apply(
                .shelve, to: gone, at: now - 300 * hour, actor: "t", slot: PickupCode(shelf: 2, layer: 1, sequence: 1))
            let pickup = try tx.insertPickup(PickupProof(at: now, staff: "", client: "t", method: "code", collector: nil))
            try tx.apply(.pickUp, to: shelved, at: now, actor: "t", pickupID: pickup)
        }
        let all = try store.readNow { try $0.backlog(now: now, olderThanHours: 0) }
        #expect(all.total == 6)
        #expect(all.buckets.map(\.count) == [1, 1, 1, 1, 2])
        #expect(all.buckets.map(\.fromHours) == [0, 24, 48, 72, 168])
        #expect(all.byCourier.first { $0.courier == "YTO" }?.counts == [0, 0, 1, 1, 0])
        #expect(all.byCourier.first { $0.courier == "UNKNOWN" }?.total == 1)
        #expect(all.oldest.first?.shelvedAt == now - 200 * hour)
        let old = try store.readNow { try $0.backlog(now: now, olderThanHours: 72) }
        #expect(old.total == 3)
        #expect(old.oldest.count == 3)
    }

    @Test func occupancyReportsActiveCoolingAndCursor() async throws {
        try await store.write { tx in
            for sequence in [5, 17] {
                let parcel = try tx.insertParcel(
                    NewParcel(
                        tracking: try TrackingNumber(raw: "SF10000000000\(sequence + 10)"), courier: nil, phoneTail: nil, phoneHash: nil,
                        phoneFull: nil, at: 100),
                    actor: "t")
                try tx.apply(.shelve, to: parcel, at: 100, actor: "t", slot: PickupCode(shelf: 1, layer: 2, sequence: sequence))
            }
            let parcel = try #require(try tx.activeParcel(code: PickupCode(shelf: 1, layer: 2, sequence: 5)))
            try tx.apply(.requestReturn, to: parcel, at: 200, actor: "t")
            let requested = try #require(try tx.parcel(id: parcel.id))
            try tx.apply(.completeReturn, to: requested, at: 300, actor: "t")
        }
        let recent = try store.readNow { try $0.occupancy(of: LayerKey(shelf: 1, layer: 2), capacity: 10, releasedSince: 250) }
        #expect(recent.activeSequences == [17])
        #expect(recent.coolingSequences == [5])
        #expect(recent.lastSequence == 17)
        let later = try store.readNow { try $0.occupancy(of: LayerKey(shelf: 1, layer: 2), capacity: 10, releasedSince: 301) }
        #expect(later.coolingSequences.isEmpty)
        #expect(try store.readNow { try $0.layerCounts() } == [LayerKey(shelf: 1, layer: 2): 1])
    }

    /// The writer's layer memory must always equal a fresh read of the layer, through shelving, pickups,
    /// returns, moves between layers, cool-downs running out, and writes that fail and roll back.
    @Test func writerLayerMemoryEqualsAFreshRead() async throws {
        var generator = SplitMix64(seed: 20261122)
        let layers = [LayerKey(shelf: 1, layer: 1), LayerKey(shelf: 1, layer: 2), LayerKey(shelf: 2, layer: 1)]
        let cooldown: Int64 = 50
        for step in 0..<400 {
            let at = Int64(1_000 + step * 5)
            let roll = generator.next() % 12
            let layer = layers[Int(generator.next() % UInt64(layers.count))]
            let failAfterWrite = generator.next() % 13 == 0
            let tracking = "SF" + String(format: "%013d", 5_000_000 + step)
            do {
                try await store.write { tx -> Void in
                    let active = try tx.search(ParcelQuery(states: [.shelved], limit: 1000))
                    let pickedUp = try tx.search(ParcelQuery(states: [.pickedUp], limit: 3))
                    // The cached view is consulted first, as the allocator would.
                    _ = try tx.occupancy(of: layer, capacity: 500, releasedSince: at - cooldown)
                    if roll == 10, let parcel = pickedUp.first, let code = parcel.pickupCode {
                        // An undone pickup takes its code back out of cooling, or a new one if it was reused.
                        let key = LayerKey(shelf: code.shelf, layer: code.layer)
                        let free = try tx.occupancy(of: key, capacity: 500, releasedSince: at - cooldown)
                        let slot =
                            free.activeSequences.contains(code.sequence)
                            ? PickupCode(
                                shelf: code.shelf, layer: code.layer,
                                sequence: try #require(
                                    (1...9999).first { !free.activeSequences.contains($0) && !free.coolingSequences.contains($0) }))
                            : nil
                        try tx.undoPickup(parcel, at: at, actor: "t", slot: slot)
                    } else if roll == 11, let parcel = active.first {
                        try tx.apply(.undoIntake, to: parcel, at: at, actor: "t")
                    } else if roll < 5 || active.isEmpty {
                        let free = try tx.occupancy(of: layer, capacity: 500, releasedSince: at - cooldown)
                        let seq = try #require(
                            (1...9999).first { !free.activeSequences.contains($0) && !free.coolingSequences.contains($0) })
                        _ = try tx.insertParcel(
                            NewParcel(
                                tracking: try TrackingNumber(raw: tracking), courier: nil, phoneTail: nil, phoneHash: nil, phoneFull: nil,
                                at: at),
                            shelving: PickupCode(shelf: layer.shelf, layer: layer.layer, sequence: seq), actor: "t")
                    } else {
                        let parcel = active[Int(UInt64(at) % UInt64(active.count))]
                        if roll < 7 {
                            let pickup = try tx.insertPickup(PickupProof(at: at, staff: "s", client: "c", method: "code", collector: nil))
                            try tx.apply(.pickUp, to: parcel, at: at, actor: "t", pickupID: pickup)
                        } else if roll < 8 {
                            let requested = try tx.apply(.requestReturn, to: parcel, at: at, actor: "t")
                            try tx.apply(.completeReturn, to: requested, at: at, actor: "t")
                        } else if roll == 8 {
                            // Exception and back keeps the slot: the memory must not change.
                            let flagged = try tx.apply(.flagException, to: parcel, at: at, actor: "t")
                            try tx.apply(.resolveException, to: flagged, at: at, actor: "t")
                        } else {
                            // Shelving after intake goes through `apply` with a slot.
                            let free = try tx.occupancy(of: layer, capacity: 500, releasedSince: at - cooldown)
                            let seq = try #require(
                                (1...9999).first { !free.activeSequences.contains($0) && !free.coolingSequences.contains($0) })
                            let received = try tx.insertParcel(
                                NewParcel(
                                    tracking: try TrackingNumber(raw: tracking), courier: nil, phoneTail: nil, phoneHash: nil,
                                    phoneFull: nil, at: at),
                                actor: "t")
                            try tx.apply(
                                .shelve, to: received, at: at, actor: "t",
                                slot: PickupCode(shelf: layer.shelf, layer: layer.layer, sequence: seq))
                        }
                    }
                    if failAfterWrite { throw StoreError.unavailable("test: roll this job back") }
                }
            } catch StoreError.unavailable {
                #expect(failAfterWrite)
            }
            let (cached, cachedCounts) = try await store.write { tx in
                (try layers.map { try tx.occupancy(of: $0, capacity: 500, releasedSince: at - cooldown) }, try tx.layerCounts())
            }
            let (fresh, freshCounts) = try store.readNow { reader in
                (try layers.map { try reader.occupancy(of: $0, capacity: 500, releasedSince: at - cooldown) }, try reader.layerCounts())
            }
            #expect(cachedCounts == freshCounts, "step \(step) layer counts")
            for (c, f) in zip(cached, fresh) {
                #expect(c.activeSequences == f.activeSequences, "step \(step) \(c.shelf)-\(c.layer) active")
                #expect(c.coolingSequences == f.coolingSequences, "step \(step) \(c.shelf)-\(c.layer) cooling")
                #expect(c.lastSequence == f.lastSequence, "step \(step) \(c.shelf)-\(c.layer) cursor")
            }
        }
        // The run exercised every path: active parcels, cooling ones, on every layer.
        let fresh = try store.readNow { reader in try layers.map { try reader.occupancy(of: $0, capacity: 500, releasedSince: 0) } }
        #expect(fresh.allSatisfy { !$0.activeSequences.isEmpty && !$0.coolingSequences.isEmpty })
    }

    /// `insertParcel` and `apply` return records built in memory; they must equal what a read finds.
    @Test func returnedRecordsEqualWhatIsStored() async throws {
        let paths: [[ParcelAction]] = [
            [.shelve, .notify, .notify, .pickUp], [.shelve, .requestReturn, .cancelReturn, .flagException, .resolveException],
            [.shelve, .requestReturn, .completeReturn], [.shelve, .flagException, .resolveException, .pickUp],
            [.flagException, .requestReturn, .completeReturn], [.requestReturn, .completeReturn],
            [.shelve, .notify, .pickUp, .undoPickup, .pickUp], [.shelve, .pickUp, .undoPickup], [.shelve, .notify, .undoIntake],
            [.undoIntake],
        ]
        for (index, path) in paths.enumerated() {
            try await store.write { tx in
                var record = try tx.insertParcel(
                    NewParcel(
                        tracking: try TrackingNumber(raw: "YT90000000000\(10 + index)"), courier: "YTO", phoneTail: "1234",
                        phoneHash: Data(repeating: 7, count: 32), phoneFull: nil, at: 10),
                    actor: "t")
                #expect(try tx.parcel(id: record.id) == record)
                for (step, action) in path.enumerated() {
                    let at = Int64(100 * (step + 1))
                    let pickup =
                        action == .pickUp
                        ? try tx.insertPickup(PickupProof(at: at, staff: "s", client: "c", method: "code", collector: nil)) : nil
                    let slot = action == .shelve ? PickupCode(shelf: 1, layer: 1, sequence: index + 1) : nil
                    record =
                        action == .undoPickup
                        ? try tx.undoPickup(record, at: at, actor: "t")
                        : try tx.apply(action, to: record, at: at, actor: "t", slot: slot, pickupID: pickup)
                    #expect(try tx.parcel(id: record.id) == record, "\(path) step \(step)")
                }
            }
        }
    }

    /// The trigger-kept per-layer counts match a count of the parcels themselves after shelving and releases.
    @Test func layerLoadFollowsTheParcels() async throws {
        try await store.write { tx in
            for index in 0..<30 {
                let parcel = try tx.insertParcel(
                    NewParcel(
                        tracking: try TrackingNumber(raw: "JT80000000000\(10 + index)"), courier: nil, phoneTail: nil, phoneHash: nil,
                        phoneFull: nil, at: 1),
                    actor: "t")
                let shelved = try tx.apply(
                    .shelve, to: parcel, at: 2, actor: "t",
                    slot: PickupCode(shelf: 1 + index % 2, layer: 1 + index % 3, sequence: index + 1))
                if index % 4 == 0 {
                    let pickup = try tx.insertPickup(PickupProof(at: 3, staff: "", client: "t", method: "code", collector: nil))
                    try tx.apply(.pickUp, to: shelved, at: 3, actor: "t", pickupID: pickup)
                } else if index % 5 == 0 {
                    let requested = try tx.apply(.requestReturn, to: shelved, at: 3, actor: "t")
                    try tx.apply(.completeReturn, to: requested, at: 4, actor: "t")
                }
            }
        }
        let counted = try rawRead { db in
            try Row.fetchAll(
                db,
                sql: "SELECT shelf, layer, count(*) AS n FROM parcel WHERE released_at IS NULL AND seq IS NOT NULL GROUP BY shelf, layer"
            )
            .reduce(into: [LayerKey: Int]()) { $0[LayerKey(shelf: $1["shelf"], layer: $1["layer"])] = $1["n"] }
        }
        #expect(try store.readNow { try $0.layerCounts() } == counted)
        let active: Int = counted.values.reduce(0, +)
        // 30 shelved, 8 picked up (0, 4, … 28), 4 returned (5, 10, 15, 25).
        #expect(active == 18)
        #expect(throws: DatabaseError.self) { try rawExecute("DELETE FROM parcel") }
    }

    @Test func handWrittenJSONReadsBackWithJSONDecoder() throws {
        let candidates = [
            CourierCandidate(code: "SF", name: "顺丰速运", reason: "prefix \"SF\" + 13 digits\\ok\n\u{1}", strength: 3),
            CourierCandidate(code: "UNKNOWN", name: "未知快递", reason: "", strength: 0),
        ]
        let decoded = try JSONDecoder().decode([CourierCandidate].self, from: Data(CompactJSON.candidates(candidates).utf8))
        #expect(decoded == candidates)
        let details = ["pickupCode": "3-2-0147", "reason": "退回 \"refused\"\t", "collector": "李四"]
        #expect(try JSONDecoder().decode([String: String].self, from: Data(CompactJSON.object(details).utf8)) == details)
        #expect(CompactJSON.object([:]) == "{}")
        #expect(CompactJSON.object(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
    }

    /// The scan's statements bind through the C API (`executeHot`): values must land as GRDB would store
    /// them (an empty text is '' and an empty blob X'', not NULL; text with a NUL keeps its length), and a
    /// refused row must come back as GRDB's DatabaseError with SQLite's code, leaving the statement reusable.
    @Test func hotStatementsBindAndFailLikeGRDB() throws {
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TEMP TABLE hot (i INTEGER, t TEXT NOT NULL, b BLOB NOT NULL, n TEXT, u TEXT UNIQUE)")
            let sql = "INSERT INTO hot (i, t, b, n, u) VALUES (?, ?, ?, ?, ?)"
            try db.executeHot(sql, [.integer(-5), .text(""), .blob(Data()), .null, .text("中文\u{0}x")])
            let row = try #require(
                try Row.fetchOne(db, sql: "SELECT i, t, typeof(t), length(b), typeof(b), n IS NULL, u, length(CAST(u AS BLOB)) FROM hot"))
            #expect(row[0] as Int64 == -5)
            #expect(row[1] as String == "")
            #expect(row[2] as String == "text")
            #expect(row[3] as Int == 0 && row[4] as String == "blob")
            #expect(row[5] as Bool)
            #expect(row[7] as Int == 8)
            do {
                try db.executeHot(sql, [.integer(1), .text("a"), .blob(Data([1])), .null, .text("中文\u{0}x")])
                Issue.record("a duplicate of a UNIQUE column was accepted")
            } catch let error as DatabaseError {
                #expect(error.resultCode == .SQLITE_CONSTRAINT)
                #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
            }
            try db.executeHot(sql, [.integer(2), .text("b"), .blob(Data([2, 3])), .text("n"), .text("other")])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM hot") == 2)
            try db.execute(sql: "DROP TABLE hot")
        }
    }

    @Test func eventIDsAreVersion7UUIDsOrderedByTime() throws {
        let early = EventID.make(at: 1_800_000_000_000)
        let late = EventID.make(at: 1_800_000_000_001)
        #expect(UUID(uuidString: early) != nil)
        #expect(early.count == 36)
        #expect(Array(early)[14] == "7")
        #expect("89ab".contains(Array(early)[19]))
        #expect(early < late)
        #expect(EventID.make(at: 5) != EventID.make(at: 5))
        // The first 48 bits are the time, big-endian; the random bits vary in every group after it.
        #expect(EventID.make(at: 0x0123_4567_89AB).hasPrefix("01234567-89ab-7"))
        let ids = (0..<64).map { _ in Array(EventID.make(at: 5).utf8) }
        for position in [15, 16, 17, 20, 21, 22, 24, 30, 35] {
            #expect(Set(ids.map { $0[position] }).count > 1, "position \(position) never changes")
        }
    }

    /// Intake's one-write path: shelved on insert, both events logged, the layer's load and cursor updated.
    @Test func insertingShelvedWritesOneRowAndBothEvents() async throws {
        let slot = PickupCode(shelf: 2, layer: 3, sequence: 47)
        let record = try await store.write { tx in
            try tx.insertParcel(
                NewParcel(
                    tracking: try TrackingNumber(raw: "SF7000000000001"), courier: "SF", phoneTail: "4321", phoneHash: nil, phoneFull: nil,
                    at: 500),
                shelving: slot, actor: "desk")
        }
        #expect(record.state == .shelved)
        #expect(record.pickupCode == slot)
        #expect(record.shelvedAt == 500)
        #expect(try store.readNow { try $0.parcel(id: record.id) } == record)
        let events = try store.readNow { try $0.events(parcelID: record.id) }
        #expect(events.map(\.kind) == [.intake, .shelve])
        #expect(events.last?.details["pickupCode"] == "2-3-0047")
        #expect(events.last?.fromState == .received)
        let occupancy = try store.readNow { try $0.occupancy(of: LayerKey(shelf: 2, layer: 3), capacity: 10, releasedSince: 0) }
        #expect(occupancy.activeSequences == [47])
        #expect(occupancy.lastSequence == 47)
        #expect(try store.readNow { try $0.layerCounts() } == [LayerKey(shelf: 2, layer: 3): 1])
    }

    /// An action logs the event of its own name (the stored `kind`), and every kind but `intake` is an action's.
    @Test func everyActionLogsTheEventOfItsName() {
        for action in ParcelAction.allCases { #expect(ParcelEventKind(action).rawValue == action.rawValue) }
        #expect(Set(ParcelAction.allCases.map(ParcelEventKind.init)) == Set(ParcelEventKind.allCases).subtracting([.intake]))
    }

    /// Every COMMIT runs on the writer's own thread, never on a caller's: not a lone write after an idle spell
    /// (which the caller once committed itself), not writes from tasks on the concurrency pool, not writes from
    /// plain threads.
    @Test func everyCommitRunsOnTheWritersOwnThread() async throws {
        let commits = CommitThreads()
        try observeCommits(commits)
        let callers = Mutex<Set<pthread_t>>([])
        let batcher = store.batcher
        let enqueue: @Sendable (String, @escaping @Sendable ((any Error)?) -> Void) -> Void = { key, answer in
            callers.withLock { _ = $0.insert(pthread_self()) }
            batcher.enqueue(
                WriteBatcher.Job(
                    run: { tx in
                        try tx.db.execute(sql: "INSERT INTO station_meta (key, value) VALUES (?, x'00')", arguments: [key])
                        return { answer(nil) }
                    },
                    fail: { answer($0) }))
        }
        let write: @Sendable (String) async throws -> Void = { key in
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enqueue(key) { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                }
            }
        }
        for index in 0..<5 {
            try await write("lone \(index)")
            try await Task.sleep(for: .milliseconds(2))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<32 { group.addTask { try await write("task \(index)") } }
            try await group.waitForAll()
        }
        let done = DispatchGroup()
        for index in 0..<4 {
            done.enter()
            Thread {
                defer { done.leave() }
                let answered = DispatchSemaphore(value: 0)
                enqueue("thread \(index)") { _ in answered.signal() }
                answered.wait()
            }.start()
        }
        await withCheckedContinuation { continuation in done.notify(queue: .global()) { continuation.resume() } }
        let seen = commits.threads
        #expect(seen.count == 1, "commits ran on \(seen.count) threads")
        #expect(seen.isDisjoint(with: callers.withLock { $0 }), "a caller's thread ran a COMMIT")
        #expect(seen == [try #require(batcher.writerThread.withLock { $0 })], "a COMMIT ran off the writer thread")
        #expect(try store.readNow { try Int.fetchOne($0.db, sql: "SELECT count(*) FROM station_meta WHERE key GLOB '[ltT]*'") } == 41)
    }

    /// A job rolled back inside a batch drops the writer's memory before the batch's next job runs, which then
    /// allocates from and chains to what the database holds, not to the write that was undone.
    @Test func aRolledBackJobInABatchLeavesTheWriterMemoryAsTheDatabase() throws {
        struct Refused: Error {}
        let commits = CommitCounter(delay: 0)
        try store.pool.writeWithoutTransaction { db in db.add(transactionObserver: commits, extent: .databaseLifetime) }
        let layer = LayerKey(shelf: 1, layer: 1)
        let outcomes = Mutex<[String]>([])
        let answered = DispatchSemaphore(value: 0)
        @Sendable func job(_ name: String, _ body: @escaping @Sendable (LedgerTransaction) throws -> String) -> WriteBatcher.Job {
            WriteBatcher.Job(
                run: { tx in
                    let outcome = try body(tx)
                    return {
                        outcomes.withLock { $0.append("\(name) \(outcome)") }
                        answered.signal()
                    }
                },
                fail: { error in
                    outcomes.withLock { $0.append("\(name) \(error is Refused ? "refused" : "\(error)")") }
                    answered.signal()
                })
        }
        @Sendable func intake(_ tx: LedgerTransaction, _ tracking: String) throws -> PickupCode {
            let free = try tx.occupancy(of: layer, capacity: 10, releasedSince: 0)
            guard let seq = (1...10).first(where: { !free.activeSequences.contains($0) }) else { throw DomainError.noFreePickupCode }
            let slot = PickupCode(shelf: 1, layer: 1, sequence: seq)
            _ = try tx.insertParcel(
                NewParcel(
                    tracking: try TrackingNumber(raw: tracking), courier: nil, phoneTail: nil, phoneHash: nil, phoneFull: nil, at: 1_000),
                shelving: slot, actor: "t")
            return slot
        }
        // The memory now holds the layer and the chain's head.
        store.batcher.enqueue(job("first") { tx in try intake(tx, "SF7100000000001").description })
        answered.wait()
        // The writer is held in a batch of its own, so the next two writes form one batch.
        let (running, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        store.batcher.enqueue(
            job("hold") { _ in
                running.signal()
                release.wait()
                return "held"
            })
        running.wait()
        let commitsBefore = commits.count
        store.batcher.enqueue(
            job("undone") { tx in
                _ = try intake(tx, "SF7100000000002")
                throw Refused()
            })
        store.batcher.enqueue(job("second") { tx in try intake(tx, "SF7100000000003").description })
        release.signal()
        for _ in 0..<3 { answered.wait() }
        #expect(outcomes.withLock { $0 } == ["first 1-1-0001", "hold held", "undone refused", "second 1-1-0002"])
        // The held batch's COMMIT, then one for the undone and the second write together.
        #expect(commits.count - commitsBefore == 2, "the undone and the second write shared one batch")
        let chain = try store.readNow { try $0.verifyCustodyChain() }
        #expect(chain.firstBroken == nil)
        #expect(chain.events == 4)
    }
}

/// The threads that ran a COMMIT.
private final class CommitThreads: TransactionObserver, Sendable {
    private let seen = Mutex<Set<pthread_t>>([])
    var threads: Set<pthread_t> { seen.withLock { $0 } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws { seen.withLock { _ = $0.insert(pthread_self()) } }
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}
}

/// Counts the writer's commits, each made slow by `delay` seconds inside its COMMIT (as a slow disk flush is).
private final class CommitCounter: TransactionObserver, Sendable {
    private let delay: TimeInterval
    private let commits = Mutex(0)
    init(delay: TimeInterval) { self.delay = delay }
    var count: Int { commits.withLock { $0 } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseWillCommit() throws { Thread.sleep(forTimeInterval: delay) }
    func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}
