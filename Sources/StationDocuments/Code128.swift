/// Code 128 (code set B) for the command barcodes parcelctl and the console print: every scanner reads Code 128, and set B
/// carries the upper-case letters and colon of `PSCMD:…`.
public enum Code128 {
    /// Bar and space widths in modules for symbol values 0…106 (106 is the stop pattern, with its final bar).
    static let patterns: [String] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
    ]
    static let startB = 104
    static let stop = 106

    struct UnsupportedCharacter: Error, CustomStringConvertible {
        let character: Character
        var description: String { "Code 128 set B cannot carry \(character.debugDescription)" }
    }

    /// The symbol values of `text`: start B, data, check symbol, stop.
    static func values(for text: String) throws -> [Int] {
        var values = [startB]
        for scalar in text.unicodeScalars {
            guard (32...126).contains(scalar.value) else { throw UnsupportedCharacter(character: Character(scalar)) }
            values.append(Int(scalar.value) - 32)
        }
        var sum = startB
        for (position, value) in values.dropFirst().enumerated() { sum += (position + 1) * value }
        return values + [sum % 103, stop]
    }

    /// Module colours left to right (true = bar), with a quiet zone of `quiet` modules each side.
    static func modules(for text: String, quiet: Int = 10) throws -> [Bool] {
        var modules = [Bool](repeating: false, count: quiet)
        for value in try values(for: text) {
            for (index, width) in patterns[value].enumerated() {
                modules += [Bool](repeating: index % 2 == 0, count: Int(String(width))!)
            }
        }
        return modules + [Bool](repeating: false, count: quiet)
    }

    /// An SVG of the barcode, `moduleWidth` user units per module.
    public static func svg(for text: String, moduleWidth: Double = 2, height: Double = 60) throws -> String {
        let modules = try modules(for: text)
        var bars = ""
        var index = 0
        while index < modules.count {
            guard modules[index] else {
                index += 1
                continue
            }
            let start = index
            while index < modules.count && modules[index] { index += 1 }
            bars +=
                "<rect x=\"\(Double(start) * moduleWidth)\" y=\"0\" width=\"\(Double(index - start) * moduleWidth)\" height=\"\(height)\"/>"
        }
        let width = Double(modules.count) * moduleWidth
        return
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><g fill=\"#000\">\(bars)</g></svg>"
    }

    /// A binary PGM (P5) image of the barcode: `moduleWidth` pixels per module, `height` pixels tall.
    public static func pgm(for text: String, moduleWidth: Int = 3, height: Int = 80) throws -> [UInt8] {
        let modules = try modules(for: text)
        let row = modules.flatMap { [UInt8](repeating: $0 ? 0 : 255, count: moduleWidth) }
        var bytes = Array("P5\n\(row.count) \(height)\n255\n".utf8)
        for _ in 0..<height { bytes += row }
        return bytes
    }
}
