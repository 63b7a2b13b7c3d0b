import ArgumentParser
import Foundation
import LabelDecoding

/// `label-bench`: our decoder against `zbarimg` and zxing-cpp on a corpus folder, with per-pass figures.
@main
struct LabelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label-bench",
        abstract: "Measure LabelDecoding against zbarimg and zxing-cpp on a labels/ or blackbox/ corpus folder.",
        discussion: """
            FOLDER is a labels/ folder (label_NNNN.jpg + .txt + .json), a blackbox/ folder (manifest.csv), or a \
            folder holding both. Peers run where installed: zbarimg (Debian zbar-tools) one process per image, \
            zxing-cpp via scripts/zxing_cpp_peer.py (pip install zxing-cpp pillow).
            """)

    @Argument(help: "Corpus folder (with --seed: where the fresh set is written; default a temporary folder).") var folder: String?
    @Option(help: "Generate a fresh labels set with this seed (the label generator) and measure on it.") var seed: Int?
    @Option(help: "With --seed: how many labels.") var count = 500
    @Option(help: "With --seed: the label generator.") var generator = "../shared/tools/make_labels.py"
    @Option(help: "With --seed: the Python that runs the generator (needs Pillow and numpy; zint and a CJK font installed).")
    var generatorPython = "python3"
    @Option(help: "The peers' cascade script (zbar passes, then zxing-cpp).") var cascadeScript = "scripts/peer_cascade.py"
    @Option(help: "Only the first N images of each corpus.") var limit: Int?
    @Flag(help: "Skip zbarimg and zxing-cpp.") var noPeers = false
    @Flag(help: "Also run every pass on every image and print what each pass reads on its own.") var exhaustive = false
    @Option(help: "The zxing-cpp peer script.") var zxingScript = "scripts/zxing_cpp_peer.py"
    @Option(help: "Python interpreter for the zxing-cpp peer.") var python = "python3"
    @Flag(help: "Print one line per image: expected text, choice, passes run.") var verbose = false
    @Option(help: "Write one CSV row per image and pass (exhaustive mode) to this file.") var passCSV: String?
    @Option(help: "Comma-separated passes to run instead of the standard cascade (e.g. half,full,zxing).") var cascade: String?
    @Flag(help: "Do not scan a crop around a single tracking-number read to confirm it (the confirm pass).") var noConfirm = false
    @Flag(help: "Do not read the phone tail (the decode's time without the OCR).") var noTail = false
    @Flag(help: "Blackbox: list each image some tool misses, with which tools read it and what we read.") var listMisses = false
    @Flag(
        help:
            "Decode a generated set of hostile images (degenerate shapes, pixel bombs) through the daemon's decoding pool: decode time and peak RSS (VmHWM), beside a normal photo (FOLDER's first label, or FOLDER itself if it is a file)."
    ) var hostile = false
    @Option(help: "With --hostile: decode the images in this folder instead of the generated set.") var hostileFolder: String?

    func makeDecoder(exhaustive: Bool = false) throws -> LabelDecoder {
        var passes = LabelDecoder.standardCascade
        if let cascade {
            passes = try cascade.split(separator: ",").map { name in
                guard let pass = DecodePass(rawValue: String(name)) else { throw ValidationError("unknown pass \(name)") }
                return pass
            }
        }
        return LabelDecoder(cascade: passes, exhaustive: exhaustive, confirmsByCrop: !noConfirm, readsPhoneTail: !noTail)
    }

    func run() throws {
        if hostile { return try runHostile() }
        var folder = self.folder ?? ""
        if let seed {
            if self.folder == nil { folder = NSTemporaryDirectory() + "label-bench-seed-\(seed)" }
            guard
                let python = Peers.which(generatorPython)
                    ?? (FileManager.default.isExecutableFile(atPath: generatorPython) ? generatorPython : nil)
            else { throw ValidationError("no \(generatorPython) for the generator") }
            print("generating \(count) labels with seed \(seed) into \(folder)…")
            _ = try FreshSet.generate(python: python, generator: generator, seed: seed, count: count, into: folder)
        }
        guard !folder.isEmpty else { throw ValidationError("give a corpus folder or --seed") }
        let corpora = CorpusLoader.detect(folder)
        guard !corpora.isEmpty else { throw ValidationError("no labels/ or blackbox/ corpus in \(folder)") }
        var csv = "corpus,image,pass,ms,found_expected,texts\n"
        for (kind, path) in corpora {
            var images = kind == .labels ? try CorpusLoader.labels(path) : try CorpusLoader.blackbox(path)
            if let limit { images = Array(images.prefix(limit)) }
            print("\n## \(kind.rawValue): \(path) — \(images.count) images\n")
            let runs = try measure(images)
            report(kind: kind, images: images, runs: runs)
            if exhaustive { csv += try exhaustivePasses(kind: kind, images: images) }
        }
        if let passCSV { try csv.write(toFile: passCSV, atomically: true, encoding: .utf8) }
    }

    func runHostile() throws {
        guard let folder else { throw ValidationError("--hostile needs a corpus folder or a photo") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { throw ValidationError("no \(folder)") }
        var photo = folder
        if isDirectory.boolValue {
            guard let (_, path) = CorpusLoader.detect(folder).first(where: { $0.0 == .labels }),
                let first = try CorpusLoader.labels(path).first
            else {
                throw ValidationError("no labels/ corpus in \(folder) for the normal photo")
            }
            photo = first.path
        }
        let bench = HostileBench(normalPhoto: photo, hostileFolder: hostileFolder, decoder: try makeDecoder())
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        Task.detached {
            do { try await bench.run() } catch { failure = error }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
    }

    struct Runs {
        var ours: [LabelDecodeResult?] = []
        var oursMs: [Double] = []
        var oursErrors: [String] = []
        var zbarimg: [ToolRead]?
        var zxing: [ToolRead]?
        var cascade: [ToolRead]?
    }

    func measure(_ images: [CorpusImage]) throws -> Runs {
        var runs = Runs()
        let decoder = try makeDecoder()
        // One untimed decode warms the page cache and the libraries' lazy set-up.
        if let first = images.first { _ = try? decoder.decode(path: first.path) }
        for image in images {
            let start = ContinuousClock.now
            do {
                runs.ours.append(try decoder.decode(path: image.path))
            } catch {
                runs.ours.append(nil)
                runs.oursErrors.append("\(image.path): \(error)")
            }
            runs.oursMs.append((ContinuousClock.now - start).ms)
            if verbose, let result = runs.ours.last ?? nil {
                let expected = String(decoding: image.expected ?? [], as: UTF8.self)
                let hit = result.symbols.contains { $0.bytes == image.expected ?? [] } ? "HIT " : "miss"
                print(
                    "\(hit) \((image.path as NSString).lastPathComponent) tail \(image.phoneTail ?? "-") read \(result.phoneTail.map { "\($0.status.rawValue):\($0.candidate ?? "-"):\(Int($0.confidence))" } ?? "-") expected \(expected.prefix(40)) waybill \(result.waybill.map { "\($0.number) \($0.confirmed ? "confirmed" : "uncertain")" } ?? "-") passes \(result.passLog.map(\.pass.rawValue).joined(separator: ",")) symbols \(result.symbols.map { "\($0.symbology.rawValue):\($0.text.prefix(24))@\($0.passes.map(\.rawValue).joined(separator: "+"))" }.joined(separator: " ")) \(String(format: "%.0f", runs.oursMs.last ?? 0)) ms"
                )
            }
        }
        guard !noPeers else { return runs }
        if let zbarimg = Peers.which("zbarimg") {
            runs.zbarimg = images.map { Peers.zbarimg(zbarimg, $0.path) }
        } else {
            print("zbarimg not installed (apt install zbar-tools): skipped")
        }
        if FileManager.default.fileExists(atPath: zxingScript), let python = Peers.which(python),
            let reads = Peers.zxing(script: zxingScript, python: python, paths: images.map(\.path))
        {
            runs.zxing = images.map { reads[$0.path] ?? ToolRead(failed: true) }
        } else {
            print("zxing-cpp peer unavailable (\(zxingScript), pip install zxing-cpp pillow): skipped")
        }
        if images.contains(where: { $0.symbology == "LABEL" }), FileManager.default.fileExists(atPath: cascadeScript),
            let python = Peers.which(python), let reads = Peers.zxing(script: cascadeScript, python: python, paths: images.map(\.path))
        {
            runs.cascade = images.map { reads[$0.path] ?? ToolRead(failed: true) }
        } else if images.contains(where: { $0.symbology == "LABEL" }) {
            print("peers' cascade unavailable (\(cascadeScript), pip install pyzbar zxing-cpp pillow): skipped")
        }
        return runs
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func f1(_ value: Double) -> String { String(format: "%.1f", value) }

    struct Row {
        var tool: String
        var hits = 0
        var total = 0
        var wrong = 0
        var ms: [Double] = []
        var cpu: [Double] = []
        var note = ""
    }

    func report(kind: CorpusKind, images: [CorpusImage], runs: Runs) {
        if kind == .labels {
            reportLabels(images, runs)
        } else {
            reportBlackbox(images, runs)
        }
        if !runs.oursErrors.isEmpty {
            print("\nour decode errors:")
            for error in runs.oursErrors.prefix(20) { print("  \(error)") }
        }
        passFigures(kind: kind, images: images, runs: runs)
    }

    func printTable(_ rows: [Row], baseline: String = "zbarimg") {
        let base = rows.first { $0.tool == baseline }
        let baseMedian = base.map { Self.percentile($0.ms, 0.5) }
        print("| tool | hit rate | hits | wrong | median ms | p95 ms | median CPU ms | median vs zbarimg | hits vs zbarimg | note |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for row in rows {
            let median = Self.percentile(row.ms, 0.5)
            let ratio = baseMedian.map { Self.f1(median / $0 * 100) + " %" } ?? "-"
            let hitsRatio = base.map { $0.hits > 0 ? String(format: "%.2f×", Double(row.hits) / Double($0.hits)) : "-" } ?? "-"
            let rate = row.total > 0 ? Self.f1(Double(row.hits) / Double(row.total) * 100) + " %" : "-"
            let cpu = row.cpu.isEmpty ? "-" : Self.f1(Self.percentile(row.cpu, 0.5))
            print(
                "| \(row.tool) | \(rate) | \(row.hits)/\(row.total) | \(row.wrong) | \(Self.f1(median)) | \(Self.f1(Self.percentile(row.ms, 0.95))) | \(cpu) | \(ratio) | \(hitsRatio) | \(row.note) |"
            )
        }
    }

    func reportLabels(_ images: [CorpusImage], _ runs: Runs) {
        var ours = Row(tool: "LabelDecoding (waybill choice)", total: images.count, ms: runs.oursMs)
        var oursAny = Row(tool: "LabelDecoding (any symbol)", total: images.count, ms: runs.oursMs)
        var confirmed = 0
        var uncertainWrong = 0
        var misreads = 0
        for (image, result) in zip(images, runs.ours) {
            let expected = String(decoding: image.expected ?? [], as: UTF8.self)
            guard let result else { continue }
            if result.symbols.contains(where: { $0.text == expected }) { oursAny.hits += 1 }
            misreads += result.symbols.filter { !image.labelTexts.contains($0.text) }.count
            guard let waybill = result.waybill else { continue }
            if waybill.number == expected {
                ours.hits += 1
                if waybill.confirmed { confirmed += 1 }
            } else if waybill.confirmed {
                ours.wrong += 1
            } else {
                uncertainWrong += 1
            }
        }
        ours.note = "\(confirmed) confirmed; \(uncertainWrong) other numbers reported as uncertain; wrong = confirmed and not the label's"
        oursAny.wrong = misreads
        oursAny.note = "wrong = reads not printed on the label"
        var rows = [ours, oursAny]
        if runs.ours.contains(where: { $0?.phoneTail?.milliseconds ?? 0 > 0 }) {
            var barcodes = ours
            barcodes.tool = "LabelDecoding, time without the tail OCR"
            barcodes.ms = zip(runs.ours, runs.oursMs).map { result, ms in ms - (result?.phoneTail?.milliseconds ?? 0) }
            barcodes.note = "the rows above include reading the phone tail"
            rows.append(barcodes)
        }
        for (name, reads) in [("zbarimg", runs.zbarimg), ("zxing-cpp", runs.zxing), ("peers' cascade", runs.cascade)] {
            guard let reads else { continue }
            var row = Row(tool: name, total: images.count, ms: reads.map(\.milliseconds), cpu: reads.compactMap(\.cpuMilliseconds))
            for (image, read) in zip(images, reads) {
                if read.reads.contains(where: { Self.contains($0, image.expected ?? []) }) { row.hits += 1 }
                // Misreads: symbol lines not printed on the label (zbarimg's QR lines are split, so only 1D-like lines).
                for text in read.reads.flatMap({ String(decoding: $0, as: UTF8.self).split(separator: "\n") }) {
                    let line = String(text)
                    if !line.hasPrefix("{") && !line.contains("\"") && !image.labelTexts.contains(line) { row.wrong += 1 }
                }
            }
            row.note = "hit = tracking number among its reads; wrong = 1D reads not printed on the label"
            if name == "zbarimg" { row.note += "; one process per image" } else { row.note += "; in one Python process" }
            rows.append(row)
        }
        printTable(rows)
        let expected = images.map { String(decoding: $0.expected ?? [], as: UTF8.self) }
        var tools = [
            FreshSet.ToolHits(
                name: "ours", hits: zip(runs.ours, expected).map { $0.0?.waybill?.number == $0.1 }, ms: runs.oursMs)
        ]
        for (name, reads) in [("zbarimg", runs.zbarimg), ("zxing-cpp", runs.zxing), ("peers' cascade", runs.cascade)] {
            guard let reads else { continue }
            tools.append(
                FreshSet.ToolHits(
                    name: name,
                    hits: zip(images, reads).map { image, read in read.reads.contains { Self.contains($0, image.expected ?? []) } },
                    ms: reads.map(\.milliseconds)))
        }
        FreshSet.breakdown(images, tools)
        FreshSet.tails(images, runs.ours)
    }

    static let zbarCapable: Set<String> = ["CODE128", "QRCODE", "EAN13", "EAN8", "UPCA", "UPCE", "ITF", "CODE39"]

    func reportBlackbox(_ images: [CorpusImage], _ runs: Runs) {
        let ourReads: [ToolRead] = zip(runs.ours, runs.oursMs).map { result, ms in
            // Raw bytes and our text's UTF-8 both count: expectations are UTF-8 text, or .bin bytes.
            ToolRead(reads: result?.symbols.flatMap { [$0.bytes, Array($0.text.utf8)] } ?? [], milliseconds: ms, failed: result == nil)
        }
        var tools: [(String, [ToolRead])] = [("LabelDecoding", ourReads)]
        if let zbarimg = runs.zbarimg { tools.append(("zbarimg", zbarimg)) }
        if let zxing = runs.zxing { tools.append(("zxing-cpp", zxing)) }
        let groups: [(String, (CorpusImage) -> Bool)] = [
            ("zbar-capable symbologies, zxing-cpp/ crops", { Self.zbarCapable.contains($0.symbology) && $0.source == "zxing-cpp" }),
            ("zbar-capable symbologies, zxing-java/ photos", { Self.zbarCapable.contains($0.symbology) && $0.source == "zxing-java" }),
            ("zbar-capable symbologies, both", { Self.zbarCapable.contains($0.symbology) }),
            ("DATAMATRIX + PDF417 (zbar has no decoder)", { $0.symbology == "DATAMATRIX" || $0.symbology == "PDF417" }),
        ]
        for (title, filter) in groups {
            print("\n### \(title)\n")
            var rows: [Row] = []
            for (name, reads) in tools {
                var row = Row(tool: name, cpu: reads.compactMap(\.cpuMilliseconds))
                for (image, read) in zip(images, reads) where filter(image) {
                    row.total += 1
                    row.ms.append(read.milliseconds)
                    let expected = image.expected ?? []
                    let hit =
                        name == "zbarimg"
                        ? read.reads.contains { Self.contains($0, expected) } : read.reads.contains { $0 == expected }
                    if hit { row.hits += 1 } else if read.reads.contains(where: { !$0.isEmpty }) { row.wrong += 1 }
                }
                row.note = "wrong = read something, but not the expected text"
                rows.append(row)
            }
            printTable(rows)
        }
        print("\n### per symbology (hits/images)\n")
        let symbologies = Array(Set(images.map(\.symbology))).sorted()
        print("| symbology | " + tools.map(\.0).joined(separator: " | ") + " |")
        print("|---|" + tools.map { _ in "---|" }.joined())
        for symbology in symbologies {
            var cells: [String] = []
            for (name, reads) in tools {
                let pairs = zip(images, reads).filter { $0.0.symbology == symbology }
                if symbology == "NONE" {
                    let falsePositives = pairs.filter { $0.1.reads.contains { !$0.isEmpty } }.count
                    cells.append("\(falsePositives) false positives / \(pairs.count)")
                } else {
                    let hits = pairs.filter { pair in
                        let expected = pair.0.expected ?? []
                        return name == "zbarimg"
                            ? pair.1.reads.contains { Self.contains($0, expected) } : pair.1.reads.contains { $0 == expected }
                    }.count
                    cells.append("\(hits)/\(pairs.count)")
                }
            }
            print("| \(symbology) | " + cells.joined(separator: " | ") + " |")
        }
        if listMisses { listMissed(images, runs, tools) }
    }

    /// One row per image with an expected text that some tool misses: which tools read it, and our reads.
    func listMissed(_ images: [CorpusImage], _ runs: Runs, _ tools: [(String, [ToolRead])]) {
        print("\n### images some tool misses (x = read the expected text)\n")
        print("| image | symbology | " + tools.map(\.0).joined(separator: " | ") + " | our reads (symbology:text@passes) |")
        print("|---|---|" + tools.map { _ in "---|" }.joined() + "---|")
        for (index, image) in images.enumerated() {
            guard let expected = image.expected else { continue }
            // zbarimg prints multi-line QR payloads over several lines: matched as a substring, as in the tables.
            let hits = tools.map { name, reads in
                reads[index].reads.contains { name == "zbarimg" ? Self.contains($0, expected) : $0 == expected }
            }
            guard hits.contains(false) else { continue }
            let ours = runs.ours[index].map { $0.symbols.map(Self.describe).joined(separator: " ") } ?? "error"
            let path = image.path.split(separator: "/").suffix(3).joined(separator: "/")
            print("| \(path) | \(image.symbology) | " + hits.map { $0 ? "x" : "" }.joined(separator: " | ") + " | \(ours) |")
        }
    }

    /// `SYMBOLOGY:text@pass+pass`, the text cut to 24 characters on one line.
    static func describe(_ symbol: DecodedSymbol) -> String {
        let text = symbol.text.prefix(24).replacingOccurrences(of: "\n", with: " ")
        return "\(symbol.symbology.rawValue):\(text)@\(symbol.passes.map(\.rawValue).joined(separator: "+"))"
    }

    /// Which pass first produced the answer in the normal cascade, and what each pass cost.
    func passFigures(kind: CorpusKind, images: [CorpusImage], runs: Runs) {
        var firstFound: [DecodePass: Int] = [:]
        var ran: [DecodePass: Int] = [:]
        var time: [DecodePass: Double] = [:]
        for (image, result) in zip(images, runs.ours) {
            guard let result else { continue }
            for record in result.passLog {
                ran[record.pass, default: 0] += 1
                time[record.pass, default: 0] += record.milliseconds
            }
            let expected = image.expected ?? []
            if let symbol = result.symbols.first(where: { $0.bytes == expected }) { firstFound[symbol.pass, default: 0] += 1 }
        }
        print("\n### cascade as run: passes, how often each ran, and which pass first read the expected text\n")
        print("| pass | images it ran on | total ms | mean ms when run | expected text first read here |")
        print("|---|---|---|---|---|")
        for pass in DecodePass.allCases where ran[pass] != nil {
            let count = ran[pass] ?? 0
            print(
                "| \(pass.rawValue) | \(count) | \(Self.f1(time[pass] ?? 0)) | \(Self.f1((time[pass] ?? 0) / Double(max(1, count)))) | \(firstFound[pass] ?? 0) |"
            )
        }
    }

    /// Runs every pass on every image and prints what each reads on its own and how many images only it reads.
    func exhaustivePasses(kind: CorpusKind, images: [CorpusImage]) throws -> String {
        let decoder = try makeDecoder(exhaustive: true)
        var alone: [DecodePass: Int] = [:]
        var only: [DecodePass: Int] = [:]
        var time: [DecodePass: Double] = [:]
        var ran: [DecodePass: Int] = [:]
        var csv = ""
        var anyPass = 0
        var considered = 0
        for image in images {
            guard let expected = image.expected, let result = try? decoder.decode(path: image.path) else { continue }
            considered += 1
            let expectedText = String(decoding: expected, as: UTF8.self)
            var finders: [DecodePass] = []
            for record in result.passLog {
                let found = record.texts.contains(expectedText)
                if found { finders.append(record.pass) }
                time[record.pass, default: 0] += record.milliseconds
                ran[record.pass, default: 0] += 1
                let texts = record.texts.map { $0.replacingOccurrences(of: ",", with: " ").replacingOccurrences(of: "\n", with: " ") }
                    .joined(separator: "|")
                csv +=
                    "\(kind.rawValue),\(image.path),\(record.pass.rawValue),\(String(format: "%.2f", record.milliseconds)),\(found),\"\(texts.replacingOccurrences(of: "\"", with: "'"))\"\n"
            }
            for pass in finders { alone[pass, default: 0] += 1 }
            if finders.count == 1 { only[finders[0], default: 0] += 1 }
            if !finders.isEmpty { anyPass += 1 }
        }
        print(
            "\n### every pass on every image (\(considered) images with an expected text, DataMatrix and PDF417 included; \(anyPass) read by some pass)\n"
        )
        print("| pass | images | reads expected alone | only this pass reads it | mean ms |")
        print("|---|---|---|---|---|")
        for pass in DecodePass.allCases where ran[pass] != nil {
            print(
                "| \(pass.rawValue) | \(ran[pass] ?? 0) | \(alone[pass] ?? 0) | \(only[pass] ?? 0) | \(Self.f1((time[pass] ?? 0) / Double(max(1, ran[pass] ?? 0)))) |"
            )
        }
        return csv
    }
}

extension ToolRead {
    init(failed: Bool) {
        self.init()
        self.failed = failed
    }
}
