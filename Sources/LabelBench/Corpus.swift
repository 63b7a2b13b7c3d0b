import Foundation

/// One image of a corpus with what it should decode to.
struct CorpusImage {
    let path: String
    /// For labels: the tracking number. For blackbox: the expected bytes (nil for images without a code).
    let expected: [UInt8]?
    /// For labels: every text printed on the label as a code (to tell misreads from other codes).
    let labelTexts: Set<String>
    /// Blackbox symbology folder name (`CODE128`, `NONE`…), or `LABEL`.
    let symbology: String
    /// Blackbox source (`zxing-cpp` / `zxing-java`), reported separately since they overlap.
    let source: String
    /// Labels: the main barcode's pixels per module and the label's rotation in the photo (degrees), from the
    /// generator's .json.
    var pixelsPerModule: Double?
    var rotation: Double?
    /// Labels: the last 4 digits of the recipient's phone as printed (the generator's `recipient_phone_tail`).
    var phoneTail: String?
}

enum CorpusKind: String {
    case labels, blackbox
}

enum CorpusLoader {
    static func detect(_ folder: String) -> [(CorpusKind, String)] {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder + "/manifest.csv"),
            let head = try? String(contentsOfFile: folder + "/manifest.csv", encoding: .utf8).prefix(60)
        {
            if head.hasPrefix("image,symbology") { return [(.blackbox, folder)] }
            if head.hasPrefix("image,carrier") { return [(.labels, folder)] }
        }
        var found: [(CorpusKind, String)] = []
        if fm.fileExists(atPath: folder + "/labels/manifest.csv") { found.append((.labels, folder + "/labels")) }
        if fm.fileExists(atPath: folder + "/blackbox/manifest.csv") { found.append((.blackbox, folder + "/blackbox")) }
        return found
    }

    static func labels(_ folder: String) throws -> [CorpusImage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("label_") && $0.hasSuffix(".jpg") }
            .sorted()
        return try names.map { name in
            let stem = folder + "/" + String(name.dropLast(4))
            let expected = try String(contentsOfFile: stem + ".txt", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            var texts: Set<String> = [expected]
            var image = CorpusImage(
                path: folder + "/" + name, expected: Array(expected.utf8), labelTexts: [], symbology: "LABEL", source: "labels")
            if let data = FileManager.default.contents(atPath: stem + ".json"),
                let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                for symbol in object["symbols"] as? [[String: Any]] ?? [] { if let text = symbol["text"] as? String { texts.insert(text) } }
                let camera = object["camera"] as? [String: Any]
                image.pixelsPerModule = (camera?["ppm_main"] as? NSNumber)?.doubleValue
                image.rotation = (camera?["rotation_deg"] as? NSNumber)?.doubleValue
                image.phoneTail = object["recipient_phone_tail"] as? String
            }
            return CorpusImage(
                path: image.path, expected: image.expected, labelTexts: texts, symbology: image.symbology, source: image.source,
                pixelsPerModule: image.pixelsPerModule, rotation: image.rotation, phoneTail: image.phoneTail)
        }
    }

    static func blackbox(_ folder: String) throws -> [CorpusImage] {
        let manifest = try String(contentsOfFile: folder + "/manifest.csv", encoding: .utf8)
        var images: [CorpusImage] = []
        for line in manifest.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { continue }
            let (image, symbology, expectedFile) = (fields[0], fields[1], fields[2])
            var expected: [UInt8]? = nil
            if !expectedFile.isEmpty {
                let stem = folder + "/" + (expectedFile.hasSuffix(".txt") ? String(expectedFile.dropLast(4)) : expectedFile)
                // .bin holds the exact bytes where the payload is binary; .txt otherwise.
                if let data = FileManager.default.contents(atPath: stem + ".bin") {
                    expected = Array(data)
                } else if let data = FileManager.default.contents(atPath: folder + "/" + expectedFile) {
                    expected = Array(data)
                }
            }
            images.append(
                CorpusImage(
                    path: folder + "/" + image, expected: expected, labelTexts: [], symbology: symbology,
                    source: String(image.prefix { $0 != "/" })))
        }
        return images
    }
}
