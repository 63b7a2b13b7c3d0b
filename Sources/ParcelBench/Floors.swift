import Foundation
import ParcelStore

#if canImport(Glibc)
    import Glibc
#endif

/// The two floors: what a durable commit and a local socket round trip cost on this machine with nothing
/// in between. The daemon cannot beat their sum for one client; the ratios say how much it adds.
enum Floors {
    /// Floor 1: one-row INSERT + COMMIT per transaction, WAL, `synchronous=FULL` (the daemon's durability
    /// promise), on the raw C API. Each iteration is its own transaction, so each pays one WAL fsync.
    ///
    /// Returns two sample sets. `cold`: the first commits on a fresh file, while the WAL file grows; on ext4
    /// each fdatasync then also commits the file-system journal (the size changed). `steady`: after the WAL
    /// has reached its working size and been checkpointed once, so commits overwrite the file in place, which
    /// is where a running daemon spends its life. The steady figure is the floor.
    static func commit(path: String, iterations: Int, warmup: Int) throws -> (cold: Samples, steady: Samples) {
        let db = try RawDatabase(path: path)
        let mode = try db.text("PRAGMA journal_mode = WAL")
        guard mode == "wal" else { throw BenchError("floor database refused WAL (journal_mode = \(mode ?? "nil"))") }
        try db.execute("PRAGMA synchronous = FULL")
        guard try db.text("PRAGMA synchronous") == "2" else { throw BenchError("floor database is not at synchronous=FULL") }
        // About the size of a parcel row without its JSON: tracking, courier, state, code, phone tail, times.
        try db.execute(
            """
            CREATE TABLE IF NOT EXISTS row (
                id INTEGER PRIMARY KEY,
                tracking TEXT NOT NULL,
                courier TEXT,
                state TEXT NOT NULL,
                code TEXT,
                phone_tail TEXT,
                at INTEGER NOT NULL
            ) STRICT
            """)
        let begin = try db.prepare("BEGIN IMMEDIATE")
        let insert = try db.prepare("INSERT INTO row (tracking, courier, state, code, phone_tail, at) VALUES (?, ?, ?, ?, ?, ?)")
        let commit = try db.prepare("COMMIT")
        let oneCommit = { (index: Int) throws -> Void in
            try begin.run()
            insert.bind(1, "SF" + digits(index, 13))
            insert.bind(2, "SF")
            insert.bind(3, "shelved")
            insert.bind(4, "3-2-\(digits(index % 9999 + 1, 4))")
            insert.bind(5, digits(index % 10_000, 4))
            insert.bind(6, wallMillis())
            try insert.run()
            try commit.run()
        }
        let cold = try measure(warmup: 0, iterations: min(iterations, 100)) { try oneCommit($0) }
        // Grow the WAL past the auto-checkpoint threshold (1000 pages) in one scratch transaction, so the
        // measured commits find it at its working size, as the daemon's commits do after warm-up.
        let pageSize = Int(try db.text("PRAGMA page_size") ?? "4096") ?? 4096
        try db.execute("CREATE TABLE scratch (payload BLOB NOT NULL)")
        let fill = try db.prepare("INSERT INTO scratch (payload) VALUES (zeroblob(?))")
        try db.execute("BEGIN")
        for _ in 0..<1100 {
            fill.bind(1, pageSize - 100)
            try fill.run()
        }
        try db.execute("COMMIT")
        try db.execute("DROP TABLE scratch")
        guard walBytes(databasePath: path) >= steadyWALBytes(pageSize: pageSize) else {
            throw BenchError("floor WAL did not reach its working size (\(walBytes(databasePath: path)) bytes)")
        }
        let steady = try measure(warmup: warmup, iterations: iterations) { try oneCommit(min(iterations, 100) + $0) }
        return (cold, steady)
    }

    /// The size of a database's `-wal` file (0 when absent).
    static func walBytes(databasePath: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: databasePath + "-wal"))?[.size] as? Int) ?? 0
    }

    /// The WAL size at which SQLite's default auto-checkpoint (1000 frames) has run once: from then on
    /// commits overwrite frames in place instead of extending the file.
    static func steadyWALBytes(pageSize: Int = 4096) -> Int { 32 + 1000 * (24 + pageSize) }

    /// Floor 2: a ~150-byte line to an echo thread in this process over a Unix socket and back. Plain
    /// blocking POSIX calls, no framing library and no JSON: the cheapest request/reply the kernel allows.
    static func roundTrip(socketPath: String, iterations: Int, warmup: Int, lineBytes: Int = 150) throws -> Samples {
        unlink(socketPath)
        let listener = try unixSocket()
        defer { close(listener) }
        try withSocketAddress(socketPath) { address, length in
            guard bind(listener, address, length) == 0, listen(listener, 1) == 0 else {
                throw BenchError("echo server cannot listen on \(socketPath): \(String(cString: strerror(errno)))")
            }
        }
        let serverDone = DispatchSemaphore(value: 0)
        Thread {
            echoServer(listener: listener)
            serverDone.signal()
        }.start()

        let client = try unixSocket()
        try withSocketAddress(socketPath) { address, length in
            guard connect(client, address, length) == 0 else {
                throw BenchError("cannot connect to the echo server: \(String(cString: strerror(errno)))")
            }
        }
        // A JSON-ish request line of the size of an intake request.
        var line = Array(#"{"id":1,"method":"Parcel.Intake","params":{"tracking":"SF1234567890123"}}"#.utf8)
        line += [UInt8](repeating: UInt8(ascii: " "), count: max(0, lineBytes - 1 - line.count))
        line.append(UInt8(ascii: "\n"))
        var reply = [UInt8](repeating: 0, count: 4096)
        let samples = try measure(warmup: warmup, iterations: iterations) { _ in
            try sendAll(client, line)
            var received = 0
            // Read until the newline comes back (it nearly always arrives in one recv).
            while received == 0 || reply[received - 1] != UInt8(ascii: "\n") {
                let count = reply.withUnsafeMutableBytes { recv(client, $0.baseAddress! + received, $0.count - received, 0) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { throw BenchError("echo server closed the connection") }
                received += count
            }
            guard received == line.count else { throw BenchError("echo server returned \(received) bytes, sent \(line.count)") }
        }
        close(client)
        serverDone.wait()
        unlink(socketPath)
        return samples
    }

    /// Accepts one connection and writes back every complete line it reads, until the client closes.
    private static func echoServer(listener: Int32) {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return }
            pending += chunk[..<count]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                guard (try? sendAll(connection, Array(pending[...newline]))) != nil else { return }
                pending.removeSubrange(...newline)
            }
        }
    }
}

// MARK: POSIX helpers

/// `value` zero-padded to `width` decimal digits.
func digits(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

func unixSocket() throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket(): \(String(cString: strerror(errno)))") }
    return fd
}

/// Calls `body` with a `sockaddr_un` for `path`.
func withSocketAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
        throw BenchError("socket path too long (\(bytes.count) bytes, at most 107): \(path); use a shorter --work-dir")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    return try withUnsafePointer(to: &address) {
        try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

/// Writes every byte, retrying short writes; MSG_NOSIGNAL so a closed peer is an error, not SIGPIPE.
func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
        if written < 0 {
            if errno == EINTR { continue }
            throw BenchError("send(): \(String(cString: strerror(errno)))")
        }
        offset += written
    }
}

extension Floors {
    /// Floor 1b, for reading the others: one intake's own statements (the daemon's SQL text from
    /// `LedgerReader`, its schema from a real migration) on the raw C API, one transaction per intake, with
    /// everything the daemon computes in Swift (courier rules, code allocation, JSON, the chain digest) left
    /// out or fixed. What the daemon cannot undercut without writing less per scan; the gap between this and
    /// floor 1 is the ledger's schema (parcel row with its indexes, two chained events, their outbox rows,
    /// the layer cursor), not the daemon.
    ///
    /// With `perTransaction` > 1, that many intakes share each transaction, as a perfect group commit would
    /// batch them: the most intakes per second this schema allows on this disk and CPU, with one writer.
    /// Each sample is then one whole transaction.
    static func ledgerIntake(path: String, iterations: Int, warmup: Int, perTransaction: Int = 1) throws -> Samples {
        // The daemon's own migrations make the schema, triggers and indexes included.
        try ParcelStore(path: path).close()
        let db = try RawDatabase(path: path)
        guard try db.text("PRAGMA journal_mode") == "wal" else { throw BenchError("ledger floor database is not in WAL mode") }
        try db.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")
        guard try db.text("PRAGMA synchronous") == "2" else { throw BenchError("ledger floor database is not at synchronous=FULL") }
        let begin = try db.prepare("BEGIN IMMEDIATE")
        let lookup = try db.prepare(LedgerReader.activeByTrackingSQL)
        let insertParcel = try db.prepare(LedgerReader.insertParcelSQL)
        let insertEvent = try db.prepare(LedgerReader.insertEventSQL)
        let cursor = try db.prepare(LedgerReader.recordCursorSQL)
        let commit = try db.prepare("COMMIT")
        var eventID = Int64(try db.text("SELECT ifnull(max(id), 0) FROM parcel_event") ?? "0") ?? 0
        let candidates = #"[{"code":"SF","name":"顺丰速运","reason":"prefix SF + 12 or 13 digits","strength":3}]"#
        let digest = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        // Slots spread over 4 shelves × 9 layers as the daemon's allocator spreads them.
        let writeIntake = { (index: Int) throws -> Void in
            let tracking = "SF" + digits(index, 13)
            let now = wallMillis()
            let (shelf, layer, seq) = (1 + index % 4, 1 + (index / 4) % 9, 1 + (index / 36) % 9999)
            lookup.bind(1, tracking)
            guard try !lookup.step() else { throw BenchError("ledger floor: \(tracking) is already active") }
            lookup.reset()
            insertParcel.bind(1, tracking)
            insertParcel.bind(2, tracking)
            insertParcel.bind(3, "SF")
            insertParcel.bind(4, candidates)
            insertParcel.bind(5, "shelved")
            insertParcel.bind(6, shelf)
            insertParcel.bind(7, layer)
            insertParcel.bind(8, seq)
            insertParcel.bind(9, nil as String?)
            insertParcel.bind(10, blob: nil)
            insertParcel.bind(11, nil as String?)
            insertParcel.bind(12, now)
            insertParcel.bind(13, now)
            insertParcel.bind(14, now)
            try insertParcel.run()
            let parcelID = db.lastInsertRowID
            for (kind, from, to, details) in [
                ("intake", nil, "received", "{}"),
                ("shelve", "received", "shelved", #"{"pickupCode":"\#(shelf)-\#(layer)-\#(digits(seq, 4))"}"#),
            ] as [(String, String?, String, String)] {
                eventID += 1
                insertEvent.bind(1, eventID)
                // Time-ordered like the daemon's UUIDv7 ids, so the uid index appends.
                insertEvent.bind(2, "0190" + digits(Int(eventID), 28))
                insertEvent.bind(3, parcelID)
                insertEvent.bind(4, kind)
                insertEvent.bind(5, from)
                insertEvent.bind(6, to)
                insertEvent.bind(7, now)
                insertEvent.bind(8, "parcel-bench")
                insertEvent.bind(9, details)
                insertEvent.bind(10, blob: digest)
                try insertEvent.run()
            }
            cursor.bind(1, shelf)
            cursor.bind(2, layer)
            cursor.bind(3, seq)
            try cursor.run()
        }
        // One transaction of `perTransaction` intakes; `index` counts transactions.
        let oneIntake = { (index: Int) throws -> Void in
            try begin.run()
            for offset in 0..<perTransaction { try writeIntake(index * perTransaction + offset) }
            try commit.run()
        }
        // Warm-up until the WAL has reached its working size, as in floor 1 and the daemon's run.
        var index = 0
        while Floors.walBytes(databasePath: path) < Floors.steadyWALBytes() || index < warmup {
            try oneIntake(index)
            index += 1
            guard index < 20_000 else { throw BenchError("ledger floor WAL never reached its working size") }
        }
        return try measure(warmup: 0, iterations: iterations) { try oneIntake(index + $0) }
    }
}
