public import Foundation
import StrictJSON

/// A value a template can name as `{name}`.
public enum NoticePlaceholder: String, Sendable, CaseIterable {
    /// Station name (李家村服务站).
    case station
    /// Pickup code (3-2-0147).
    case code
    /// Last four characters of the tracking number.
    case tracking
    /// Courier name (中通快递).
    case courier
    /// Opening hours (8:00-20:00).
    case hours
    /// Collection deadline as a Chinese date (11月29日).
    case deadline
    /// Which reminder this is (1, 2, …).
    case reminder
}

/// A template parsed once: literal text and placeholders. `{{` and `}}` stand for literal braces.
public struct NoticeTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case value(NoticePlaceholder)
    }

    public let source: String
    let parts: [Part]

    /// Parses `source`; an unknown placeholder or a stray brace is an error naming it.
    public init(_ source: String) throws(NoticeTemplateError) {
        self.source = source
        var parts: [Part] = []
        var literal = ""
        var index = source.startIndex
        while index < source.endIndex {
            let character = source[index]
            let next = source.index(after: index)
            if character == "{" || character == "}" {
                if next < source.endIndex, source[next] == character {
                    literal.append(character)
                    index = source.index(after: next)
                    continue
                }
                guard character == "{", let close = source[next...].firstIndex(of: "}") else {
                    throw .strayBrace(source.distance(from: source.startIndex, to: index))
                }
                let name = String(source[next..<close])
                guard let placeholder = NoticePlaceholder(rawValue: name) else { throw .unknownPlaceholder(name) }
                if !literal.isEmpty { parts.append(.text(literal)) }
                literal = ""
                parts.append(.value(placeholder))
                index = source.index(after: close)
                continue
            }
            literal.append(character)
            index = next
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        guard !parts.isEmpty else { throw .empty }
        self.parts = parts
    }

    /// The placeholders this template uses.
    public var placeholders: Set<NoticePlaceholder> {
        Set(parts.compactMap { if case .value(let placeholder) = $0 { placeholder } else { nil } })
    }

    /// Fills in the placeholders; the deadline is written in `timeZone`.
    public func render(_ facts: NoticeFacts, timeZone: TimeZone) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .value(.station): facts.stationName
            case .value(.code): facts.pickupCode
            case .value(.tracking): facts.trackingTail
            case .value(.courier): facts.courierName
            case .value(.hours): facts.openingHours
            case .value(.deadline): ChineseDate.monthDay(facts.deadline, timeZone: timeZone)
            case .value(.reminder): String(facts.reminderCount)
            }
        }.joined()
    }
}

/// What is wrong with a template or a template file.
public enum NoticeTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownPlaceholder(String)
    /// A `{` without its `}` or a lone `}`, at this character offset.
    case strayBrace(Int)
    case empty
    /// The template for this kind renders longer than the limit for the sample facts.
    case tooLong(kind: NoticeKind, length: Int, limit: Int)
    /// In a file: the problem, with the kind and (text files) the line it is on.
    indirect case inFile(path: String, line: Int?, kind: NoticeKind?, NoticeTemplateError)
    case unknownKind(String)
    case malformedFile(String)
    case duplicateKind(NoticeKind)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownPlaceholder(let name):
            "unknown placeholder {\(name)}; known: "
                + NoticePlaceholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")
        case .strayBrace(let offset): "unbalanced brace at character \(offset + 1) (write {{ or }} for a literal brace)"
        case .empty: "the template is empty"
        case .tooLong(let kind, let length, let limit):
            "the \(kind.rawValue) notice renders to \(length) characters with the longest expected values; the limit is \(limit)"
        case .inFile(let path, let line, let kind, let error):
            "\(path)" + (line.map { ":\($0)" } ?? "") + (kind.map { " (\($0.rawValue))" } ?? "") + ": \(error)"
        case .unknownKind(let name):
            "unknown notice kind \"\(name)\"; known: " + NoticeKind.allCases.map(\.rawValue).joined(separator: ", ")
        case .malformedFile(let reason): reason
        case .duplicateKind(let kind): "the \(kind.rawValue) template is given twice"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}

/// One template per kind and the length limit they must keep to.
///
/// File formats (either; the first non-blank character decides):
/// - JSON: `{"maxLength": 120, "templates": {"first": "…", "reminder": "…", "overdue": "…"}}`
/// - text: one `kind = template` per line, `#` starts a comment line.
/// Kinds the file leaves out keep their default template.
public struct NoticeTemplateSet: Sendable, Equatable {
    public private(set) var templates: [NoticeKind: NoticeTemplate]
    /// In characters. 120 fits two SMS segments of Chinese text (67 each when concatenated).
    public var maxLength: Int

    public static let defaultMaxLength = 120

    public static let defaultSources: [NoticeKind: String] = [
        .first: "【{station}】您的{courier}已到站，取件码{code}，请于{deadline}前到店领取。营业时间{hours}",
        .reminder:
            "【{station}】第{reminder}次提醒：您的{courier}（尾号{tracking}）还未领取，取件码{code}，请于{deadline}前领取。营业时间{hours}",
        .overdue:
            "【{station}】您的{courier}（尾号{tracking}）已过保管期（{deadline}），将退回寄件方，如需领取请尽快到店，取件码{code}",
    ]

    public static let defaults = try! NoticeTemplateSet(
        sources: defaultSources, maxLength: defaultMaxLength)

    public init(templates: [NoticeKind: NoticeTemplate], maxLength: Int = defaultMaxLength) {
        self.templates = templates
        self.maxLength = maxLength
    }

    /// Parses each source; kinds left out keep their default.
    public init(sources: [NoticeKind: String], maxLength: Int = defaultMaxLength) throws(NoticeTemplateError) {
        var templates: [NoticeKind: NoticeTemplate] = [:]
        for kind in NoticeKind.allCases {
            guard let source = sources[kind] ?? Self.defaultSources[kind] else { continue }
            do { templates[kind] = try NoticeTemplate(source) } catch {
                throw .inFile(path: "template", line: nil, kind: kind, error)
            }
        }
        self.init(templates: templates, maxLength: maxLength)
    }

    public func template(for kind: NoticeKind) -> NoticeTemplate {
        templates[kind] ?? Self.defaults.templates[kind]!
    }

    /// Renders the notice text; an over-long result is an error rather than a truncated SMS.
    public func render(_ kind: NoticeKind, _ facts: NoticeFacts, timeZone: TimeZone) throws(NoticeTemplateError)
        -> String
    {
        let text = template(for: kind).render(facts, timeZone: timeZone)
        guard text.count <= maxLength else { throw .tooLong(kind: kind, length: text.count, limit: maxLength) }
        return text
    }

    /// Checks that every kind stays within the limit for `sample` (use `NoticeFacts.longest(…)`).
    public func validate(sample: NoticeFacts, timeZone: TimeZone) throws(NoticeTemplateError) {
        for kind in NoticeKind.allCases { _ = try render(kind, sample, timeZone: timeZone) }
    }

    /// Loads a template file and validates it against `sample`, so a bad file is refused at start-up with
    /// the file, line and kind named, not when the first notice goes out.
    public static func load(path: String, sample: NoticeFacts, timeZone: TimeZone) throws(NoticeTemplateError)
        -> NoticeTemplateSet
    {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let set = try parse(text, path: path)
        do { try set.validate(sample: sample, timeZone: timeZone) } catch {
            if case .tooLong(let kind, _, _) = error { throw .inFile(path: path, line: nil, kind: kind, error) }
            throw error
        }
        return set
    }

    /// Parses a file's contents (JSON or text, see the type's documentation) without validating lengths.
    public static func parse(_ text: String, path: String = "templates") throws(NoticeTemplateError)
        -> NoticeTemplateSet
    {
        if text.first(where: { !$0.isWhitespace }) == "{" { return try parseJSON(text, path: path) }
        var sources: [NoticeKind: String] = [:]
        var lines: [NoticeKind: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .inFile(path: path, line: offset + 1, kind: nil, .malformedFile("expected `kind = template`"))
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard let kind = NoticeKind(rawValue: name) else {
                throw .inFile(path: path, line: offset + 1, kind: nil, .unknownKind(name))
            }
            guard sources[kind] == nil else { throw .inFile(path: path, line: offset + 1, kind: kind, .duplicateKind(kind)) }
            sources[kind] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            lines[kind] = offset + 1
        }
        return try build(sources, maxLength: defaultMaxLength, path: path, lines: lines)
    }

    private struct FileJSON: Decodable {
        var maxLength: Int?
        var templates: [String: String]
    }

    private static func parseJSON(_ text: String, path: String) throws(NoticeTemplateError) -> NoticeTemplateSet {
        let file: FileJSON
        do { file = try StrictJSONDecoder().decode(FileJSON.self, from: Data(text.utf8)) } catch {
            throw .inFile(
                path: path, line: nil, kind: nil,
                .malformedFile("not a template file: expected {\"maxLength\": N, \"templates\": {\"first\": \"…\"}}"))
        }
        if let limit = file.maxLength, limit < 1 {
            throw .inFile(path: path, line: nil, kind: nil, .malformedFile("maxLength must be positive"))
        }
        var sources: [NoticeKind: String] = [:]
        for (name, source) in file.templates {
            guard let kind = NoticeKind(rawValue: name) else { throw .inFile(path: path, line: nil, kind: nil, .unknownKind(name)) }
            sources[kind] = source
        }
        return try build(sources, maxLength: file.maxLength ?? defaultMaxLength, path: path, lines: [:])
    }

    private static func build(_ sources: [NoticeKind: String], maxLength: Int, path: String, lines: [NoticeKind: Int])
        throws(NoticeTemplateError) -> NoticeTemplateSet
    {
        var templates = defaults.templates
        for (kind, source) in sources {
            do { templates[kind] = try NoticeTemplate(source) } catch {
                throw .inFile(path: path, line: lines[kind], kind: kind, error)
            }
        }
        return NoticeTemplateSet(templates: templates, maxLength: maxLength)
    }
}

extension NoticeFacts {
    /// The longest values a station will plausibly send, for validating templates at load time: the station's
    /// own name and hours, a long courier name, a long pickup code, a two-digit reminder count.
    public static func longest(stationName: String, openingHours: String) -> NoticeFacts {
        NoticeFacts(
            stationName: stationName, pickupCode: "99-99-9999", trackingNumber: "SF0000000000000",
            courierName: "中国邮政EMS特快专递", openingHours: openingHours,
            // 2026-12-31 12:00 UTC: 12月31日, the longest month-day text, in every time zone.
            deadline: Date(timeIntervalSince1970: 1_798_718_400), reminderCount: 10)
    }
}

/// Turns facts into a queued message with the station's templates and time zone.
public struct NoticeComposer: Sendable {
    public var templates: NoticeTemplateSet
    public var timeZone: TimeZone

    public init(templates: NoticeTemplateSet = .defaults, timeZone: TimeZone) {
        self.templates = templates
        self.timeZone = timeZone
    }

    public func compose(_ key: NoticeKey, facts: NoticeFacts, recipient: NoticeRecipient) throws(NoticeTemplateError)
        -> NoticeMessage
    {
        var facts = facts
        facts.reminderCount = key.kind == .reminder ? key.reminder : 0
        return NoticeMessage(
            key: key, text: try templates.render(key.kind, facts, timeZone: timeZone), recipient: recipient,
            stationName: facts.stationName, pickupCode: facts.pickupCode, trackingTail: facts.trackingTail,
            courierName: facts.courierName, deadline: facts.deadline,
            deadlineText: ChineseDate.monthDay(facts.deadline, timeZone: timeZone))
    }
}
