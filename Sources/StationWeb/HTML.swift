import ReportRendering

/// A piece of HTML. Interpolating a `String` escapes it; interpolating `HTML` inserts it as is. So markup built
/// with `"<td>\(name)</td>" as HTML` cannot carry a name's `<script>` into the page, and the only way to insert
/// raw text is to say so (`HTML(raw:)`, used for the embedded charts the report renderer escapes itself).
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var text: String

    public init(raw text: String) { self.text = text }
    public init(stringLiteral value: String) { text = value }
    public init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    public var description: String { text }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""
        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { text += literal }
        public mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        public mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }
        public mutating func appendInterpolation(_ value: Int) { text += String(value) }
        public mutating func appendInterpolation(_ value: HTML) { text += value.text }
        public mutating func appendInterpolation(_ values: [HTML]) { for value in values { text += value.text } }
    }

    /// Escapes text for element content and quoted attribute values alike: the report renderer's escaping, so the
    /// console and the downloaded reports treat text the same way.
    public static func escape(_ value: String) -> String { HTMLRenderer.escape(value) }

    public static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(raw: lhs.text + rhs.text) }
}

extension Array where Element == HTML {
    func joined() -> HTML { HTML(raw: map(\.text).joined()) }
}
