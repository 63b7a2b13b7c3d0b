internal import CTesseract
import Foundation

/// Debian's Tesseract (LSTM, `chi_sim`) behind a small pool of initialised engines. A `TessBaseAPI` is not
/// thread-safe and loading `chi_sim` costs ~100 ms, so each engine is made once, lent to one decode at a time
/// and given back; the pool never holds more engines than decodes ran at once (the daemon's concurrency bound).
final class TesseractOCR: @unchecked Sendable {
    /// One recognised character: its text, Tesseract's confidence (0–100) and its box in the image's pixels.
    struct Glyph: Equatable {
        var text: String
        var confidence: Double
        var box: (x: Int, y: Int, width: Int, height: Int)

        static func == (lhs: Glyph, rhs: Glyph) -> Bool {
            lhs.text == rhs.text && lhs.confidence == rhs.confidence && lhs.box == rhs.box
        }
    }

    /// One text line: its characters in reading order, a space glyph (confidence 100) between words.
    struct Line: Equatable {
        var glyphs: [Glyph]
        var text: String { glyphs.map(\.text).joined() }
    }

    /// The engine every decode shares; nil when Tesseract or its `chi_sim` data is not installed.
    static let shared: TesseractOCR? = TesseractOCR(language: "chi_sim")

    private let language: String
    private let lock = NSLock()
    private var idle: [OpaquePointer] = []

    private init?(language: String) {
        self.language = language
        guard let first = Self.makeEngine(language: language) else { return nil }
        idle.append(first)
    }

    deinit {
        for engine in idle { TessBaseAPIDelete(engine) }
    }

    private static func makeEngine(language: String) -> OpaquePointer? {
        guard let engine = TessBaseAPICreate() else { return nil }
        // nil datapath: the data folder Debian's build names (/usr/share/tesseract-ocr/5/tessdata).
        guard TessBaseAPIInit3(engine, nil, language) == 0 else {
            TessBaseAPIDelete(engine)
            return nil
        }
        // Tesseract's warnings (resolution estimates and the like) would go to the daemon's stderr.
        TessBaseAPISetVariable(engine, "debug_file", "/dev/null")
        // Tesseract 5 re-reads every line whose mean confidence is under 0.7 as inverted text (light on dark) and
        // keeps the better read; the crops given here are always dark on light (flattened), so that second pass
        // only costs time.
        TessBaseAPISetVariable(engine, "tessedit_do_invert", "0")
        return engine
    }

    private func borrow() -> OpaquePointer? {
        lock.lock()
        let engine = idle.popLast()
        lock.unlock()
        return engine ?? Self.makeEngine(language: language)
    }

    private func giveBack(_ engine: OpaquePointer) {
        TessBaseAPIClear(engine)
        lock.lock()
        idle.append(engine)
        lock.unlock()
    }

    /// `omp_set_max_active_levels`, when Tesseract is built with OpenMP (Debian's is), else nil. Called with 0, it
    /// runs Tesseract's parallel loops on the thread that calls them. libgomp keeps the setting process-wide, but
    /// OpenMP 5 makes it a per-thread one, so it is set (a store) before each recognition, on the decode's own
    /// thread, and holds under either. Debian's build asks for up to 10 threads per loop; their hand-offs and
    /// the idle threads' spinning tripled a line's time on a 2-core station PC (seed 606: ~110 → ~28 ms a line),
    /// and the decode pool already bounds how many decodes run at once. `OMP_THREAD_LIMIT` would do the same, but
    /// libgomp reads it when it is loaded, before the daemon's code runs.
    private static let serialOpenMP: (@convention(c) (Int32) -> Void)? = dlsym(nil, "omp_set_max_active_levels").map {
        unsafeBitCast($0, to: (@convention(c) (Int32) -> Void).self)
    }

    /// How the image is laid out: one block of text lines (page segmentation mode 6) or a single line (mode 7).
    enum Layout {
        case block, line
    }

    /// Recognises `image` laid out as `mode` says, stopping at `deadline` (Tesseract's own monitor: a
    /// recognition cut short returns no lines).
    func lines(in image: GreyImage, mode: Layout = .block, until deadline: ContinuousClock.Instant? = nil) -> [Line] {
        let remaining = deadline.map { Int(($0 - ContinuousClock.now).milliseconds) } ?? Int(Int32.max)
        guard image.width >= 8, image.height >= 8, remaining > 20, let engine = borrow() else { return [] }
        defer { giveBack(engine) }
        TessBaseAPISetPageSegMode(engine, mode == .line ? PSM_SINGLE_LINE : PSM_SINGLE_BLOCK)
        guard let monitor = TessMonitorCreate() else { return [] }
        defer { TessMonitorDelete(monitor) }
        TessMonitorSetDeadlineMSecs(monitor, Int32(clamping: remaining))
        Self.serialOpenMP?(0)
        let status = image.pixels.withUnsafeBufferPointer { buffer in
            TessBaseAPISetImage(engine, buffer.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
            // The crop is made at ~8 px per mm, about 200 dpi: said so, Tesseract does not estimate it.
            TessBaseAPISetSourceResolution(engine, 200)
            return TessBaseAPIRecognize(engine, monitor)
        }
        // A recognition the monitor cancelled leaves words without a best choice, and Tesseract 5.3's iterator
        // then reads through a null pointer (strlen in ResultIterator::GetUTF8Text): a cut-short read gives nothing.
        guard status == 0, deadline.map({ ContinuousClock.now < $0 }) ?? true else { return [] }
        guard let iterator = TessBaseAPIGetIterator(engine) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        let page = TessResultIteratorGetPageIterator(iterator)
        var lines: [Line] = []
        repeat {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_SYMBOL) else { continue }
            let text = String(cString: raw)
            TessDeleteText(raw)
            let confidence = Double(TessResultIteratorConfidence(iterator, RIL_SYMBOL))
            var (left, top, right, bottom): (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
            _ = TessPageIteratorBoundingBox(page, RIL_SYMBOL, &left, &top, &right, &bottom)
            let glyph = Glyph(
                text: text, confidence: confidence, box: (Int(left), Int(top), Int(right - left), Int(bottom - top)))
            if lines.isEmpty || TessPageIteratorIsAtBeginningOf(page, RIL_TEXTLINE) != 0 {
                lines.append(Line(glyphs: []))
            } else if TessPageIteratorIsAtBeginningOf(page, RIL_WORD) != 0 {
                lines[lines.count - 1].glyphs.append(Glyph(text: " ", confidence: 100, box: glyph.box))
            }
            lines[lines.count - 1].glyphs.append(glyph)
        } while TessResultIteratorNext(iterator, RIL_SYMBOL) != 0
        return lines
    }
}
