public import Foundation

/// A printed pickup slip for recipients without a phone: handed over or pinned up, read at the counter.
public struct PickupSlip: Sendable, Equatable {
    /// Receipt printer paper.
    public enum Paper: String, Sendable, CaseIterable, Codable {
        case mm58 = "58mm"
        case mm80 = "80mm"

        /// Printable width: the print head is narrower than the paper.
        var printableMillimetres: Int { self == .mm58 ? 48 : 72 }
        /// Columns of a plain-text line (a Chinese character takes two).
        public var columns: Int { self == .mm58 ? 32 : 48 }
    }

    public var stationName: String
    public var pickupCode: String
    public var trackingTail: String
    public var courierName: String
    public var deadline: Date
    public var openingHours: String

    public init(
        stationName: String, pickupCode: String, trackingTail: String, courierName: String, deadline: Date,
        openingHours: String
    ) {
        self.stationName = stationName
        self.pickupCode = pickupCode
        self.trackingTail = trackingTail
        self.courierName = courierName
        self.deadline = deadline
        self.openingHours = openingHours
    }

    public init(_ message: NoticeMessage, openingHours: String) {
        self.init(
            stationName: message.stationName, pickupCode: message.pickupCode, trackingTail: message.trackingTail,
            courierName: message.courierName, deadline: message.deadline, openingHours: openingHours)
    }

    /// A standalone HTML page sized for the paper; the pickup code is the largest thing on it.
    public func html(paper: Paper, timeZone: TimeZone) -> String {
        let width = paper.printableMillimetres
        let codeSize = paper == .mm58 ? 11 : 15
        let deadlineText = ChineseDate.monthDay(deadline, timeZone: timeZone)
        return """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>取件单 \(escape(pickupCode))</title>
            <style>
            @page { size: \(paper.rawValue) auto; margin: 0; }
            body { width: \(width)mm; margin: 0 auto; padding: 2mm 0; font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; font-size: 3.2mm; color: #000; }
            h1 { font-size: 4mm; text-align: center; margin: 0 0 1mm; }
            .label { text-align: center; font-size: 3mm; margin: 1mm 0 0; }
            .code { font-size: \(codeSize)mm; font-weight: bold; text-align: center; letter-spacing: 0.5mm; margin: 0 0 1mm; white-space: nowrap; font-family: "DejaVu Sans Mono", monospace; }
            dl { margin: 1mm 0; display: grid; grid-template-columns: auto 1fr; gap: 0.5mm 2mm; }
            dt { font-weight: bold; } dd { margin: 0; }
            .foot { border-top: 0.3mm dashed #000; margin-top: 2mm; padding-top: 1mm; text-align: center; font-size: 2.8mm; }
            </style>
            </head>
            <body>
            <h1>\(escape(stationName))</h1>
            <p class="label">取件码</p>
            <p class="code">\(escape(pickupCode))</p>
            <dl>
            <dt>快递</dt><dd>\(escape(courierName))</dd>
            <dt>单号尾号</dt><dd>\(escape(trackingTail))</dd>
            <dt>领取期限</dt><dd>\(escape(deadlineText))前</dd>
            <dt>营业时间</dt><dd>\(escape(openingHours))</dd>
            </dl>
            <p class="foot">请凭取件码到店领取</p>
            </body>
            </html>

            """
    }

    /// Plain text for printers driven as a line printer, lines centred to the paper's columns.
    public func text(paper: Paper, timeZone: TimeZone) -> String {
        let columns = paper.columns
        let rule = String(repeating: "-", count: columns)
        let lines = [
            center(stationName, columns), rule, center("取件码", columns), center(pickupCode, columns), rule,
            "快递：\(courierName)", "单号尾号：\(trackingTail)",
            "领取期限：\(ChineseDate.monthDay(deadline, timeZone: timeZone))前", "营业时间：\(openingHours)", rule,
            center("请凭取件码到店领取", columns),
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Display columns: CJK and full-width characters take two.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let value = scalar.value
            let wide =
                (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value) || (0xAC00...0xD7A3).contains(value)
                || (0xF900...0xFAFF).contains(value) || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
                || (0xFFE0...0xFFE6).contains(value)
            return width + (wide ? 2 : 1)
        }
    }

    private func center(_ text: String, _ columns: Int) -> String {
        let padding = max(0, (columns - Self.displayWidth(text)) / 2)
        return String(repeating: " ", count: padding) + text
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
