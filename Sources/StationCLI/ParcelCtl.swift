import ArgumentParser
import Foundation
import StationClient
import StationProtocol
import StrictJSON

/// `parcelctl`: the station's command-line client.
@main
struct ParcelCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parcelctl",
        abstract: "Talk to parcel-stationd: take parcels in, hand them out, look them up, see the backlog.",
        discussion: """
            The socket is --socket, else $PARCEL_STATION_SOCKET, else /run/parcel-station/parcel-station.sock, \
            else ./run/parcel-station.sock (the development daemon).
            """,
        subcommands: [
            Status.self, Intake.self, Phone.self, Show.self, Search.self, Pickup.self, Return.self, Undo.self, Backlog.self, Report.self,
            Watch.self, Scanners.self, Scan.self,
            Decode.self, Handoff.self, Discrepancies.self, ReceiptCommand.self, Audit.self, Stocktake.self, Complaint.self, Problem.self,
            Slip.self,
            NoticeHistoryCommand.self, Send.self, Outgoing.self,
            SyncStatusCommand.self, County.self, BackupCommand.self, LedgerCommand.self,
            ProofCommand.self, PurgeCommand.self, RelayCommand.self,
        ])

    /// Accepts the global options before the subcommand too (`parcelctl --socket PATH status`), as station tools
    /// and scripts write them, by moving them after the subcommand name where ArgumentParser expects them.
    static func main() {
        main(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    }

    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--json" || first.hasPrefix("--socket=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else if first == "--socket", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !rest.isEmpty, !leading.isEmpty else { return arguments }
        // After the whole subcommand path (`report daily`, `handoff open`), so nested commands take them too; before
        // a `--` that ends the options.
        var moved = Array(rest)
        moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
        return moved
    }
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the daemon's socket.")
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's JSON reply instead of a table.")
    var json = false

    func connect(timeout: Double? = 30) throws -> StationConnection {
        let path = SocketLocation.resolve(option: socket)
        do {
            let connection = try StationConnection(socketPath: path, timeout: timeout)
            try connection.hello(client: "parcelctl")
            return connection
        } catch let error as ClientError {
            throw CLIError(error.description, code: 69)  // EX_UNAVAILABLE
        } catch let error as WireError {
            throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
        }
    }

    /// Calls `method`; with --json prints the raw reply and returns nil, else returns the decoded result.
    /// `echoJSON: false` decodes even under --json (for a lookup that precedes the call whose reply is printed).
    func call<P, R>(_ method: MethodDeclaration<P, R>, _ params: P, as type: R.Type = R.self, echoJSON: Bool = true) throws -> R? {
        // The server's own check on the params, before connecting: the same message, without a round trip.
        do {
            try params.validate()
        } catch {
            throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 64)  // EX_USAGE
        }
        let connection = try connect()
        let reply: [UInt8]
        do {
            reply = try connection.callRaw(method.rawValue, params)
        } catch let error as ClientError {
            throw CLIError(error.description, code: 69)
        }
        do {
            let result = try StationConnection.decodeResult(reply, as: type)
            if json && echoJSON {
                print(String(decoding: reply, as: UTF8.self))
                return nil
            }
            return result
        } catch let error as WireError {
            if json && echoJSON { print(String(decoding: reply, as: UTF8.self)) }
            throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
        }
    }
}

/// A failure to report on stderr with an exit code.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let code: Int32
    init(_ description: String, code: Int32) {
        self.description = description
        self.code = code
    }
}

/// Runs `body`, printing a CLIError as `parcelctl: message` with its exit code.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CLIError {
        FileHandle.standardError.write(Data("parcelctl: \(error.description)\n".utf8))
        throw ExitCode(error.code)
    }
}

func parcelRows(_ parcels: [ParcelDTO]) -> String {
    Display.table(
        header: ["取件码 CODE", "运单号 TRACKING", "快递 COURIER", "状态 STATE", "尾号 TAIL", "入库 SHELVED"],
        rows: parcels.map { parcel in
            [
                parcel.pickupCode ?? "-", parcel.tracking, parcel.courier ?? "?",
                Display.state(parcel.state) + (parcel.overdue ? " ⚠ overdue" : ""), parcel.phoneTail ?? "-",
                Display.time(parcel.shelvedAt ?? parcel.receivedAt),
            ]
        })
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's state and parcel counts.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard let status = try global.call(Method.status, NoParams(), as: StatusResult.self) else { return }
            print("\(status.station.name) (\(status.station.id)) — protocol \(status.protocol), up since \(Display.time(status.startedAt))")
            print("database: \(status.database)")
            if let disk = status.disk {
                print("disk \(disk.path): \(Display.bytes(disk.freeBytes)) free of \(Display.bytes(disk.totalBytes))")
            }
            print("在站 active: \(status.active)   超期 overdue (> \(status.holdHours) h): \(status.overdue)   events: \(status.events)")
            let order = [
                "received", "shelved", "notified", "pickedUp", "returnRequested", "returned", "exception", "voided", "writtenOff",
                "inTransit", "forwarded",
            ]
            print(Display.table(header: ["状态 STATE", "COUNT"], rows: order.map { [Display.state($0), String(status.parcels[$0] ?? 0)] }))
            print("connections: \(status.connections)   subscribers: \(status.subscribers)")
            if let key = status.publicKey { print("receipt key (public): \(key)") }
        }
    }
}

struct Intake: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Take parcels in: record, shelve and give each a pickup code.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tracking numbers as scanned or typed.") var trackings: [String]
    @Option(help: "Recipient's full phone number (stored as last 4 digits + salted hash).") var phone: String?
    @Option(name: .customLong("phone-tail"), help: "Last 4 digits of the recipient's phone.") var phoneTail: String?
    @Option(help: "Courier code (SF, ZTO, YTO, STO, YUNDA, JD, JT, EMS…) when known.") var courier: String?
    @Option(help: "Your name, recorded with the intake.") var staff: String?
    @Flag(help: "Take in a genuine odd number that looks like no waybill (product code, bag label, short); recorded as forced.")
    var force = false
    @Option(help: "Where the parcels go (village, sort code or station): a downstream station's takes them in as in transit.")
    var destination: String?

    func run() throws {
        try reporting {
            var rows: [[String]] = []
            var failures = 0
            let connection = try global.connect()
            for tracking in trackings {
                let params = IntakeParams(
                    tracking: tracking, phone: phone, phoneTail: phoneTail, courier: courier, staff: staff, force: force ? true : nil,
                    destination: destination)
                let reply = try connection.callRaw(Method.intake.rawValue, params)
                if global.json {
                    print(String(decoding: reply, as: UTF8.self))
                    if (try? StationConnection.decodeResult(reply, as: ParcelResult.self)) == nil { failures += 1 }
                    continue
                }
                do {
                    let result = try StationConnection.decodeResult(reply, as: ParcelResult.self)
                    let parcel = result.parcel
                    let others =
                        parcel.couriers.count > 1 ? " (also: \(parcel.couriers.dropFirst().map(\.code).joined(separator: ", ")))" : ""
                    rows.append([
                        parcel.pickupCode ?? parcel.relayName.map { "→ \($0)" } ?? "-", parcel.tracking, (parcel.courier ?? "?") + others,
                        result.repeat ? "already here 已在站" : "new 新入库" + (result.forced.map { " (forced 强制: \($0))" } ?? ""),
                    ])
                } catch let error as WireError {
                    failures += 1
                    rows.append(["-", tracking, "", "ERROR \(error.message) [\(error.code.rawValue)]"])
                }
            }
            if !global.json {
                print(Display.table(header: ["取件码 CODE", "运单号 TRACKING", "快递 COURIER", "RESULT"], rows: rows))
            }
            if failures > 0 { throw CLIError("\(failures) of \(trackings.count) not taken in", code: 1) }
        }
    }
}

struct Phone: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add or replace the recipient's phone of a parcel still waiting here (privacy waybills print a masked number).",
        discussion: """
            parcelctl phone SF1234567890123 --tail 5678 --staff 王芳
            parcelctl phone SF1234567890123 --phone 13812345678    (kept as last 4 digits + salted hash)
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tracking number.") var tracking: String
    @Option(name: .customLong("tail"), help: "Last 4 digits of the recipient's phone.") var phoneTail: String?
    @Option(help: "The recipient's full phone number.") var phone: String?
    @Option(help: "Your name, recorded with the change.") var staff: String?

    func validate() throws {
        if (phone == nil) == (phoneTail == nil) { throw ValidationError("give exactly one of --tail or --phone") }
    }

    func run() throws {
        try reporting {
            let params = SetPhoneParams(tracking: tracking, phone: phone, phoneTail: phoneTail, staff: staff)
            guard let result = try global.call(Method.setPhone, params) else { return }
            let parcel = result.parcel
            print(
                "\(parcel.tracking): 尾号 phone tail \(parcel.phoneTail ?? "-")   取件码 \(parcel.pickupCode ?? "-")   \(Display.state(parcel.state))"
            )
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one parcel and its history.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tracking number.") var tracking: String

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.get, GetParams(tracking: tracking), as: GetResult.self) else { return }
            let parcel = result.parcel
            print("运单号 tracking:  \(parcel.tracking)   (scanned as \(parcel.rawScan.debugDescription))")
            print("状态 state:       \(Display.state(parcel.state))\(parcel.overdue ? "  ⚠ overdue" : "")")
            print("取件码 code:      \(parcel.pickupCode ?? "-")")
            print("尾号 phone tail:  \(parcel.phoneTail ?? "-")")
            print("快递 couriers:")
            for candidate in parcel.couriers { print("  \(candidate.code)  \(candidate.name) — \(candidate.reason)") }
            print("历史 history:")
            print(
                Display.table(
                    header: ["TIME", "EVENT", "STATE", "BY", "DETAILS"],
                    rows: result.events.map { event in
                        [
                            Display.time(event.at), event.kind,
                            (event.from.map { Display.state($0) + " → " } ?? "") + Display.state(event.to),
                            event.actor, event.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                        ]
                    }))
            printProofs(result.events)
        }
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Find parcels by tracking number, pickup code, phone tail or state.")
    @OptionGroup var global: GlobalOptions
    @Option var tracking: String?
    @Option var code: String?
    @Option(name: .customLong("phone-tail")) var phoneTail: String?
    @Option(name: .customLong("state"), help: "State name; repeat for several.") var states: [String] = []
    @Flag(help: "Only parcels still at the station.") var active = false
    @Option var limit: Int?

    func run() throws {
        try reporting {
            let params = SearchParams(
                tracking: tracking, code: code, phoneTail: phoneTail, states: states.isEmpty ? nil : states, active: active, limit: limit)
            guard let result = try global.call(Method.search, params, as: ParcelsResult.self) else { return }
            print(result.parcels.isEmpty ? "no parcels match" : parcelRows(result.parcels))
        }
    }
}

struct Pickup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hand parcels out. Without tracking numbers (or --all) it only lists what is waiting.",
        discussion: """
            parcelctl pickup --phone-tail 5678            list the parcels waiting for that phone tail
            parcelctl pickup --phone-tail 5678 --all      hand all of them out
            parcelctl pickup --code 3-2-0147 SF1234567890123
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Pickup code, e.g. 3-2-0147.") var code: String?
    @Option(name: .customLong("phone-tail"), help: "Last 4 digits of the recipient's phone.") var phoneTail: String?
    @Option(help: "The recipient's full phone number.") var phone: String?
    @Flag(help: "Hand out every parcel waiting for this code or phone.") var all = false
    @Option(help: "Your name, recorded as the proof of pickup.") var staff: String?
    @Option(help: "Name of the person collecting for the recipient (代取).") var collector: String?
    @Option(
        help: "Pickup counter: when only listing, keep the recipient verified there so that counter's pickup scanners hand the parcels out."
    ) var counter: String?
    @Argument(help: "Tracking numbers being handed out.") var trackings: [String] = []

    func validate() throws {
        if [code, phoneTail, phone].compactMap({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --code, --phone-tail or --phone")
        }
        if all && !trackings.isEmpty { throw ValidationError("give tracking numbers or --all, not both") }
    }

    func run() throws {
        try reporting {
            var handOut = trackings
            if trackings.isEmpty {
                let verify = VerifyParams(code: code, phoneTail: phoneTail, phone: phone, counter: all ? nil : counter)
                if !all {
                    guard let waiting = try global.call(Method.verifyPickup, verify, as: ParcelsResult.self) else { return }
                    print(parcelRows(waiting.parcels))
                    if let counter {
                        print(
                            "\n\(waiting.parcels.count) waiting; verified at counter \(counter): scan each parcel with that counter's scanner."
                        )
                    } else {
                        print(
                            "\n\(waiting.parcels.count) waiting. Hand out with: parcelctl pickup \(credentialArgument) --all (or name the tracking numbers)"
                        )
                    }
                    return
                }
                guard let waiting = try global.call(Method.verifyPickup, verify, as: ParcelsResult.self, echoJSON: false) else { return }
                handOut = waiting.parcels.map(\.tracking)
            }
            let params = ConfirmParams(
                trackings: handOut, code: code, phoneTail: phoneTail, phone: phone, staff: staff, collector: collector)
            guard let result = try global.call(Method.confirmPickup, params, as: ConfirmResult.self) else { return }
            print(parcelRows(result.parcels))
            print("\n已取 handed out \(result.parcels.count) parcel(s), pickup #\(result.pickupId) at \(Display.time(result.at))")
        }
    }

    var credentialArgument: String {
        if let code { return "--code \(code)" }
        if let phoneTail { return "--phone-tail \(phoneTail)" }
        return "--phone \(phone ?? "")"
    }
}

struct Return: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark a parcel for return to its courier, or record that the courier took it.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Tracking number.") var tracking: String
    @Option(help: "Why: overdue, refused, wrong station…") var reason: String?
    @Flag(name: .customLong("handed-over"), help: "The courier has taken it back now.") var handedOver = false
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = ReturnParams(tracking: tracking, reason: reason, handedOver: handedOver, staff: staff)
            guard let result = try global.call(Method.returnParcel, params, as: ParcelResult.self) else { return }
            print("\(result.parcel.tracking): \(Display.state(result.parcel.state))")
        }
    }
}

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take back an intake or a pickup made by mistake, within the station's undo window (撤销).",
        discussion: [
            "`undo intake` voids a parcel scanned in by mistake: its pickup code and tracking number are free again.",
            "`undo pickup` puts a parcel handed out by mistake back on its shelf, with its code (or a new one, shown).",
            "Both are recorded as events of their own. After the window (undoWindowMinutes, 10 by default) use `parcelctl return` or a handoff discrepancy instead.",
        ].joined(separator: "\n\n"))
    enum Step: String, ExpressibleByArgument, CaseIterable { case intake, pickup }
    @OptionGroup var global: GlobalOptions
    @Argument(help: "What to undo: intake or pickup.") var step: Step
    @Argument(help: "Tracking number.") var tracking: String
    @Option(help: "Why: wrong parcel scanned, handed to the wrong person…") var reason: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = UndoParams(tracking: tracking, step: step.rawValue, reason: reason, staff: staff)
            guard let result = try global.call(Method.undo, params, as: ParcelResult.self) else { return }
            let code = result.parcel.state == "voided" ? "" : result.parcel.pickupCode.map { "  取件码 code \($0)" } ?? ""
            print("\(result.parcel.tracking): \(Display.state(result.parcel.state))\(code)")
        }
    }
}

struct Backlog: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parcels waiting on the shelf, by age and courier (滞留); the same as `parcelctl report backlog`.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: ReportOutput
    @Option(name: .customLong("older-than-hours"), help: "Only parcels waiting at least this long.") var olderThanHours: Int = 0

    func run() throws {
        try BacklogReportCommand.run(global: global, output: output, olderThanHours: olderThanHours)
    }
}

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print ledger events as they happen (Ctrl-C to stop).")
    @OptionGroup var global: GlobalOptions
    @Option(
        help:
            "Replay first the events after this seq (the last one seen: each ledger event shows its #seq), then go on live.")
    var since: Int64?

    func run() throws {
        try reporting {
            let connection = try global.connect(timeout: nil)
            do {
                _ = try connection.call(Method.subscribe.rawValue, SubscribeParams(since: since), as: SubscribeResult.self)
            } catch let error as WireError {
                throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
            }
            if !global.json { FileHandle.standardOutput.write(Data("watching; Ctrl-C to stop\n".utf8)) }
            while true {
                let line: [UInt8]
                do {
                    line = try connection.nextEvent()
                } catch {
                    throw CLIError("\(error)", code: 69)
                }
                // Written straight to the descriptor: `print` would sit in stdio's buffer when piped.
                var text = String(decoding: line, as: UTF8.self)
                if !global.json { text = Self.readable(line) ?? text }
                FileHandle.standardOutput.write(Data((text + "\n").utf8))
            }
        }
    }

    /// One line per event for people; nil for an event this version does not know (printed as JSON).
    static func readable(_ line: [UInt8]) -> String? {
        let decoder = StrictJSONDecoder.ownOutput
        if let message = try? decoder.decode(EventMessage<ParcelEventData>.self, from: Data(line)) {
            let parcel = message.data.parcel
            return
                "\(Display.time(message.data.event.at))  \(Display.pad(message.event, to: 20)) \(Display.pad(parcel.pickupCode ?? "-", to: 10)) \(parcel.tracking)  \(Display.state(parcel.state))  by \(message.data.event.actor)  #\(message.seq ?? message.data.event.seq)"
        }
        if let message = try? decoder.decode(EventMessage<StationEventTime>.self, from: Data(line)), let seq = message.seq,
            let data = String(decoding: line, as: UTF8.self).range(of: #""data":"#)
        {
            // A station event (handoff, stocktake…): its data as the daemon sent it.
            let text = String(decoding: line, as: UTF8.self)[data.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(Display.time(message.data.at))  \(Display.pad(message.event, to: 20)) \(text.dropLast())  #\(seq)"
        }
        if let message = try? decoder.decode(EventMessage<ScanOutcomeDTO>.self, from: Data(line)), message.event == EventName.scan {
            let scan = message.data
            return
                "\(Display.time(scan.at))  \(Display.pad("scan " + scan.result, to: 20)) \(Display.pad(scan.role, to: 10)) \(scan.text)  \(scan.message)  [\(scan.scanner)]"
        }
        if let message = try? decoder.decode(EventMessage<ScannerEventData>.self, from: Data(line)) {
            let scanner = message.data.scanner
            let dropped = message.data.droppedBytes.map { "  dropped \($0) bytes of an unfinished code" } ?? ""
            return "\(Display.pad(message.event, to: 44)) \(scanner.id)  role \(scanner.role)\(dropped)"
        }
        return nil
    }
}

/// The one field every station event's data has.
struct StationEventTime: Codable, Sendable {
    let at: String
}

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the custody log: every event chained to the one before.", subcommands: [VerifyAudit.self],
        defaultSubcommand: VerifyAudit.self)
}

struct VerifyAudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Recompute the whole chain; name the first broken link. Exit 0 intact, 1 broken.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            let connection = try global.connect(timeout: 600)
            let reply = try connection.callRaw(Method.verifyAudit.rawValue, NoParams())
            if global.json { print(String(decoding: reply, as: UTF8.self)) }
            let result: AuditResult
            do {
                result = try StationConnection.decodeResult(reply, as: AuditResult.self)
            } catch let error as WireError {
                throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
            }
            if let broken = result.firstBroken {
                throw CLIError(
                    "BROKEN: event #\(broken.seq) (\(broken.uid)) does not follow from its content and the event before it; the log was altered there",
                    code: 1)
            }
            if !global.json { print("INTACT: \(result.events) events, head \(result.head ?? "-")") }
            try verifyProofFiles(connection, json: global.json)
        }
    }
}
