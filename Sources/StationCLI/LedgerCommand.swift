import ArgumentParser
import Foundation
import ParcelStore

/// `parcelctl ledger`: the ledger file itself, offline (the daemon stopped). No socket.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Check or salvage a ledger file, offline (the daemon stopped).",
        subcommands: [LedgerCheck.self, LedgerRecover.self, LedgerInstall.self])
}

/// Exit codes of the offline ledger commands.
enum LedgerExit {
    /// Done, and the file verifies (integrity_check and the custody chain).
    static let ok: Int32 = 0
    /// Could not be done (the message says why).
    static let failed: Int32 = 1
    /// Done, but the file does not verify: read the report before trusting it.
    static let doesNotVerify: Int32 = 3
}

struct LedgerCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "integrity_check and the custody chain of a ledger file (read-only). Exit 0 verifies, 3 does not.")
    @Argument(help: "The ledger file (the state folder's parcels.sqlite, a backup, a recovered file).")
    var file: String

    func run() throws {
        let verification: LedgerIntegrity.Verification
        do {
            verification = try LedgerIntegrity.verify(path: file)
        } catch {
            FileHandle.standardError.write(Data("parcelctl: \(file): \(error)\n".utf8))
            throw ExitCode(LedgerExit.failed)
        }
        print(verification.summary)
        if !verification.ok { throw ExitCode(LedgerExit.doesNotVerify) }
    }
}

struct LedgerRecover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Salvage a damaged ledger into a new file, then check it; the damaged file is only read.",
        discussion: """
            With the daemon stopped: parcelctl ledger recover /var/lib/parcel-station/parcels.sqlite --out recovered.sqlite. \
            Copies every table row by row around the damaged pages (Debian's SQLite has no sqlite3_recover, and its shell's \
            .recover does not work there). Prints the rows recovered and lost per table, whether integrity_check passes and \
            whether the custody chain verifies. Exit 0: recovered and verifies; 3: recovered but it does NOT verify (a \
            broken chain means events were lost or damaged: the history cannot be trusted as recorded); 1: nothing recovered. \
            To use the result: parcelctl ledger install RECOVERED --state-dir DIR (the damaged ledger and its -wal are \
            kept aside; never copy the file over parcels.sqlite by hand, a stale -wal beside it would be applied to it); \
            or restore a backup instead (parcelctl backup restore).
            """)
    @Argument(help: "The damaged ledger (read only).")
    var damaged: String
    @Option(name: .long, help: "The new file to write (must not exist).")
    var out: String

    func run() throws {
        let recovered: LedgerFiles.Recovered
        do {
            recovered = try LedgerFiles.recover(damaged: damaged, output: out)
        } catch {
            FileHandle.standardError.write(Data("parcelctl: recovery failed: \(error)\n".utf8))
            throw ExitCode(LedgerExit.failed)
        }
        print(
            "recovered \(damaged) into \(recovered.output) in \(String(format: "%.1f", recovered.seconds)) s (\(damaged) was not changed)")
        for line in recovered.tables { print("  \(line)") }
        for problem in recovered.schemaProblems { print("  not recreated: \(problem)") }
        print(recovered.verification.summary)
        if recovered.verification.ok {
            print("VERIFIES: the recovered ledger passes integrity_check and its custody chain is intact.")
        } else {
            print(
                "DOES NOT VERIFY: \(recovered.verification.chain?.firstBroken != nil ? "the custody chain is broken, so events were lost or damaged; " : "")"
                    + "compare with the last backup (parcelctl backup list) before using this file.")
            throw ExitCode(LedgerExit.doesNotVerify)
        }
    }
}

struct LedgerInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Put a recovered ledger in place, offline (stop the daemon first); the current one is kept aside.",
        discussion: """
            parcelctl ledger install recovered.sqlite --state-dir /var/lib/parcel-station. The same steps as backup restore: \
            verifies the file, refuses while the daemon has the ledger open, keeps parcels.sqlite (and its -wal) aside as \
            parcels.sqlite.replaced-<time>, installs a flushed copy. A file whose custody chain is broken is refused unless \
            --accept-broken-chain (when no backup has those parcels; Audit.Verify will go on reporting the break).
            """)
    @Argument(help: "The recovered ledger.")
    var file: String
    @Option(name: .customLong("state-dir"), help: "The daemon's state folder holding parcels.sqlite.")
    var stateDir: String
    @Flag(
        name: .customLong("accept-broken-chain"), help: "Install a file that passes integrity_check although its custody chain is broken.")
    var acceptBrokenChain = false

    func run() throws {
        let restored: LedgerFiles.Restored
        do {
            restored = try LedgerFiles.restore(backup: file, stateDir: stateDir, acceptBrokenChain: acceptBrokenChain)
        } catch {
            FileHandle.standardError.write(Data("parcelctl: install refused: \(error)\n".utf8))
            throw ExitCode(LedgerExit.failed)
        }
        print("installed \(file) as \(restored.ledger)")
        print(restored.verification.summary)
        if let aside = restored.keptAside { print("the ledger it replaced is kept as \(aside)") }
        print("start the daemon now (systemctl start parcel-stationd)")
    }
}
