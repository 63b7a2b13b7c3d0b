import Foundation
import ParcelStore

/// The backlog report on a large generated ledger: the data set, the floor query, and its plan.
enum Backlog {
    /// The daemon's own SQL, taken from `ParcelStore` so the floor always runs exactly what the daemon runs:
    /// counts per courier and age bucket (?1 = now ms, ?2 = cutoff ms) and the 20 longest-waiting parcels
    /// (?1 = cutoff, ?2 = limit).
    static let backlogSQL = LedgerReader.backlogSQL
    static let oldestSQL = LedgerReader.oldestWaitingSQL

    // MARK: Floor

    /// One backlog report on a raw connection: both queries in one read transaction (the daemon reads them
    /// in one snapshot too), prepared once (GRDB caches the daemon's statements), reading every column the
    /// daemon's row mapping reads.
    final class Floor {
        let db: RawDatabase
        let begin: RawStatement
        let counts: RawStatement
        let oldest: RawStatement
        let commit: RawStatement

        init(path: String) throws {
            db = try RawDatabase(path: path)
            begin = try db.prepare("BEGIN DEFERRED")
            counts = try db.prepare(backlogSQL)
            oldest = try db.prepare(oldestSQL)
            commit = try db.prepare("COMMIT")
        }

        /// Runs one report; returns the number of waiting parcels it counted.
        func run() throws -> Int {
            let now = wallMillis()
            let cutoff = now  // olderThanHours: 0
            try begin.run()
            counts.bind(1, now)
            counts.bind(2, cutoff)
            var perCourier: [String: [Int]] = [:]
            var sum = 0
            let buckets = LedgerReader.backlogBucketHours.count
            while try counts.step() {
                let courier = counts.text(0) ?? ""
                let row = (0..<buckets).map { Int(counts.int64(Int32($0 + 1))) }
                perCourier[courier, default: [Int](repeating: 0, count: buckets)] = row
                sum += row.reduce(0, +)
            }
            counts.reset()
            oldest.bind(1, cutoff)
            oldest.bind(2, 20)
            var rows = 0
            while try oldest.step() {
                for column: Int32 in [0, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16] { _ = oldest.int64(column) }
                for column: Int32 in [1, 2, 3, 4, 5, 9] { _ = oldest.text(column) }
                rows += 1
            }
            oldest.reset()
            try commit.run()
            guard rows == min(20, sum), !perCourier.isEmpty || sum == 0 else {
                throw BenchError("backlog floor: oldest query returned \(rows) rows for \(sum) waiting")
            }
            return sum
        }
    }

    /// `EXPLAIN QUERY PLAN` of a statement, indented as the sqlite3 shell shows it.
    static func queryPlan(path: String, sql: String) throws -> [String] {
        let db = try RawDatabase(path: path)
        let plan = try db.prepare("EXPLAIN QUERY PLAN " + sql)
        var depth: [Int64: Int] = [0: 0]
        var lines: [String] = []
        while try plan.step() {
            let id = plan.int64(0)
            let parent = plan.int64(1)
            let level = (depth[parent] ?? 0) + 1
            depth[id] = level
            lines.append(String(repeating: "  ", count: level - 1) + "`--" + (plan.text(3) ?? ""))
        }
        return lines
    }

    // MARK: Data set

    /// What the generator wrote.
    struct Generated {
        var parcels = 0
        var waiting = 0
        var pickups = 0
        var byState: [String: Int] = [:]
        var seconds = 0.0
    }

    /// Couriers with the share of parcels (per mille) and a tracking-number shape their rule accepts.
    /// nil is a number no rule knows (the ledger stores courier NULL and reports it as UNKNOWN).
    static let couriers: [(code: String?, perMille: Int, prefix: String, digits: Int, name: String, format: String)] = [
        ("SF", 150, "SF", 13, "顺丰速运", "prefix SF + 13 digits"),
        ("ZTO", 200, "ZTO", 12, "中通快递", "prefix ZTO + 12 digits"),
        ("YTO", 150, "YT", 13, "圆通速递", "prefix YT + 13 digits"),
        ("STO", 100, "77", 13, "申通快递", "prefix 77 + 13 digits (15 digits)"),
        ("YUNDA", 120, "YD", 13, "韵达速递", "prefix YD + 13–15 digits"),
        ("JD", 80, "JDV", 12, "京东物流", "prefix JD (JDV, JDX…) + 12–15 digits"),
        ("JT", 100, "JT", 13, "极兔速递 (J&T)", "prefix JT + 13 digits"),
        ("EMS", 50, "9", 12, "中国邮政 / EMS", "domestic: 13 digits starting 1 or 9 (unverified)"),
        (nil, 50, "Q", 14, "未知快递", "15 characters; fits no known courier format"),
    ]

    /// Fills the `parcel` table of a ledger the daemon has just created (schema migrated, no parcels) with
    /// `count` parcels: 80% picked up, 5% returned, 15% waiting on a shelf (35% shelved, 65% notified) with
    /// `shelved_at` spread over the last 14 days. Raw C API, one transaction per 100k rows, synchronous=OFF
    /// on this connection only: generation is set-up, not a measurement, and need not survive power loss.
    /// No `parcel_event` rows: the backlog does not read them and the event table is append-only.
    static func generate(path: String, count: Int, now: Int64) throws -> Generated {
        let started = monotonicNanos()
        let db = try RawDatabase(path: path)
        guard try db.text("SELECT count(*) FROM parcel") == "0" else { throw BenchError("\(path) already has parcels") }
        try db.execute("PRAGMA synchronous = OFF")
        // A big page cache keeps the seven parcel indexes in memory while they grow.
        try db.execute("PRAGMA cache_size = -262144")
        let insertParcel = try db.prepare(
            """
            INSERT INTO parcel (tracking, raw_scan, courier, candidates, state, shelf, layer, seq, phone_tail, phone_hash,
                                received_at, shelved_at, updated_at, released_at, pickup_id, notices)
            VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
            """)
        let insertPickup = try db.prepare("INSERT INTO pickup (at, staff, client, method, collector) VALUES (?, ?, ?, ?, ?)")
        let begin = try db.prepare("BEGIN")
        let commit = try db.prepare("COMMIT")

        // The candidates column as the engine writes it (sorted keys), one per courier.
        let candidates = couriers.map { courier in
            #"[{"code":"\#(courier.code ?? "UNKNOWN")","name":"\#(courier.name)","reason":"\#(courier.format)","strength":\#(courier.code == nil ? 0 : courier.code == "EMS" ? 1 : 3)}]"#
        }
        var random = SplitMix64(seed: 20_261_122)
        let hour: Int64 = 3_600_000
        let day = 24 * hour
        // Waiting parcels get distinct (shelf, layer, seq): 300 shelves × 9 layers, sequences counting up per
        // layer, as UNIQUE(shelf, layer, seq) WHERE released_at IS NULL demands.
        let shelves = 300, layers = 9
        var generated = Generated()
        var lastPickup: Int64 = 0
        let batch = 100_000

        for index in 0..<count {
            if index % batch == 0 { try begin.run() }
            var pick = Int(random.next() % 1000)
            var which = 0
            while pick >= couriers[which].perMille { pick -= couriers[which].perMille; which += 1 }
            let courier = couriers[which]
            let tracking = courier.prefix + digits(index, courier.digits)

            let roll = random.next() % 1000
            let state = roll < 800 ? "pickedUp" : roll < 850 ? "returned" : roll < 902 ? "shelved" : "notified"
            let waiting = state == "shelved" || state == "notified"
            var shelf: Int, layer: Int, seq: Int
            let shelvedAt: Int64, releasedAt: Int64?, updatedAt: Int64
            var notices = 0
            var pickupID: Int64? = nil
            if waiting {
                let slot = generated.waiting
                shelf = slot % (shelves * layers) / layers + 1
                layer = slot % layers + 1
                seq = slot / (shelves * layers) + 1
                shelvedAt = now - Int64(random.next() % UInt64(14 * day))
                releasedAt = nil
                if state == "notified" {
                    notices = 1 + Int(random.next() % 3)
                    updatedAt = min(now, shelvedAt + Int64(random.next() % UInt64(2 * hour)))
                } else {
                    updatedAt = shelvedAt
                }
                generated.waiting += 1
            } else {
                // Released slots may repeat: the uniqueness only covers parcels still at the station.
                shelf = 1 + Int(random.next() % UInt64(shelves))
                layer = 1 + Int(random.next() % UInt64(layers))
                seq = 1 + Int(random.next() % 9999)
                shelvedAt = now - 14 * day - Int64(random.next() % UInt64(166 * day))
                let stay =
                    state == "returned" ? 7 * day + Int64(random.next() % UInt64(3 * day)) : hour + Int64(random.next() % UInt64(6 * day))
                releasedAt = shelvedAt + stay
                updatedAt = releasedAt!
                notices = state == "returned" ? 2 : Int(random.next() % 3)
                if state == "pickedUp" {
                    // Most pickups hand out one parcel; about 3 in 10 collect another parcel with the same pickup.
                    if lastPickup == 0 || random.next() % 10 < 7 {
                        let methods = ["code", "code", "phoneTail", "phone"]
                        insertPickup.bind(1, releasedAt!)
                        insertPickup.bind(2, "staff-\(random.next() % 4)")
                        insertPickup.bind(3, "parcelctl")
                        insertPickup.bind(4, methods[Int(random.next() % 4)])
                        insertPickup.bind(5, random.next() % 20 == 0 ? "代取" : nil as String?)
                        try insertPickup.run()
                        lastPickup = db.lastInsertRowID
                        generated.pickups += 1
                    }
                    pickupID = lastPickup
                }
            }
            let hasPhone = random.next() % 10 < 9
            insertParcel.bind(1, tracking)
            insertParcel.bind(2, courier.code)
            insertParcel.bind(3, candidates[which])
            insertParcel.bind(4, state)
            insertParcel.bind(5, shelf)
            insertParcel.bind(6, layer)
            insertParcel.bind(7, seq)
            insertParcel.bind(8, hasPhone ? digits(Int(random.next() % 10_000), 4) : nil as String?)
            insertParcel.bind(9, blob: hasPhone && random.next() % 10 < 7 ? random.bytes(32) : nil)
            insertParcel.bind(10, shelvedAt)  // intake shelves at once: received_at = shelved_at
            insertParcel.bind(11, shelvedAt)
            insertParcel.bind(12, updatedAt)
            insertParcel.bind(13, releasedAt)
            insertParcel.bind(14, pickupID)
            insertParcel.bind(15, notices)
            try insertParcel.run()
            generated.byState[state, default: 0] += 1
            generated.parcels += 1
            if index % batch == batch - 1 || index == count - 1 { try commit.run() }
        }
        // Leave a checkpointed file with an empty WAL, as a daemon that has been running a while would.
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        generated.seconds = Double(monotonicNanos() - started) / 1e9
        return generated
    }
}

/// A small, fast, seeded generator, so every run builds the same data set.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            withUnsafeBytes(of: next()) { result += $0.prefix(count - result.count) }
        }
        return result
    }
}
