import ArgumentParser
import Foundation
import StationClient
import StationProtocol

/// `parcelctl proof attach`: a pickup's photo or signature (出库拍照), chained into the custody log.
struct ProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "Pickup proofs (出库拍照): link a photo or signature image to a pickup.",
        subcommands: [AttachProofCommand.self], defaultSubcommand: AttachProofCommand.self)
}

struct AttachProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Link an image (JPEG, PNG, WebP; at most 8 MiB) to a pickup; its SHA-256 goes into the custody log.",
        discussion: """
            parcelctl proof attach photo.jpg --pickup 42
            parcelctl proof attach sign.png --tracking SF1234567890123 --kind signature
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image file (read by parcelctl and sent inline).") var file: String
    @Option(help: "The pickup id (Pickup.Confirm answers it).") var pickup: Int64?
    @Option(help: "A parcel of the pickup.") var tracking: String?
    @Option(help: "photo or signature.") var kind = "photo"
    @Option(help: "Staff member.") var staff: String?

    func run() throws {
        try reporting {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)", code: 66) }
            let params = AttachProofParams(
                pickupId: pickup, tracking: tracking, kind: kind, bytes: data.base64EncodedString(), staff: staff)
            guard let result = try global.call(Method.attachProof, params) else { return }
            print(
                "\(result.repeated ? "already linked" : "linked") to pickup \(result.pickupId) (\(result.trackings.joined(separator: ", "))): \(result.kind) sha256 \(result.sha256), file \(result.file)"
            )
        }
    }
}

/// `parcelctl purge`: the privacy purge's runs, or one now.
struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Privacy (隐私): show the purge of personal fields of ended stays, or run it now (--now).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Run the purge now and print what it erased.") var now = false

    func run() throws {
        try reporting {
            if now {
                guard let result = try global.call(Method.purge, NoParams()) else { return }
                let purged = result.run.purged
                print(
                    "purged: \(purged.parcels) parcels, \(purged.pickups) collectors, \(purged.handoffLines) manifest lines, \(purged.notices) notices, \(purged.outgoing) outgoing senders (retention \(result.run.retentionDays) d, \(result.transactions) transactions, WAL \(result.walTruncated ? "truncated" : "not truncated: a reader was busy"))"
                )
                return
            }
            guard let status = try global.call(Method.privacyStatus, NoParams()) else { return }
            print("retention: \(status.retentionDays) days   purged so far: \(status.purgedParcels) parcels   due now: \(status.due)")
            print(
                Display.table(
                    header: ["STARTED", "TRIGGER", "PARCELS", "COLLECTORS", "LINES", "NOTICES", "OUTGOING"],
                    rows: status.runs.map {
                        [
                            Display.time($0.startedAt), $0.trigger, String($0.purged.parcels), String($0.purged.pickups),
                            String($0.purged.handoffLines), String($0.purged.notices), String($0.purged.outgoing),
                        ]
                    }))
        }
    }
}

/// The proofs among a parcel's events, for `parcelctl show`.
func printProofs(_ events: [EventDTO]) {
    let proofs = events.filter { $0.kind == "attachProof" }
    guard !proofs.isEmpty else { return }
    print("出库凭证 proofs:")
    for event in proofs {
        print(
            "  \(event.details["proof"] ?? "photo")  \(Display.time(event.at))  pickup \(event.details["pickupId"] ?? "-")  sha256 \(event.details["sha256"] ?? "-")  file \(event.details["file"] ?? "-")"
        )
    }
}

/// `parcelctl audit verify`'s second half: every proof file re-hashed against its chained digest. An altered file
/// fails the audit (exit 1); a missing one is reported, the chain being intact.
func verifyProofFiles(_ connection: StationConnection, json: Bool) throws {
    let reply = try connection.callRaw(Method.verifyProofs.rawValue, NoParams())
    if json { print(String(decoding: reply, as: UTF8.self)) }
    let result: VerifyProofsResult
    do {
        result = try StationConnection.decodeResult(reply, as: VerifyProofsResult.self)
    } catch let error as WireError {
        throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
    }
    if !json {
        print("proofs: \(result.checked) files re-hashed, \(result.altered.count) altered, \(result.missing.count) missing")
        for proof in result.missing {
            print("MISSING: proof \(proof.file) of \(proof.tracking) (event #\(proof.seq)) is not in the proof folder")
        }
    }
    if let first = result.altered.first {
        throw CLIError(
            "ALTERED: proof \(first.file) of \(first.tracking) (event #\(first.seq)) no longer matches its chained SHA-256"
                + (result.altered.count > 1 ? " (and \(result.altered.count - 1) more)" : ""), code: 1)
    }
}
