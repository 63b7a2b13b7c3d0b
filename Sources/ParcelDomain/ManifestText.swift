public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The text of a manifest file as Excel and WPS save it: UTF-8 with or without a BOM, or GB18030 (which covers
/// GBK and GB2312, what a Chinese Windows saves "CSV" as). Anything else is refused with its reason, never
/// guessed: a wrong guess would put garbled names and numbers on the record.
public enum ManifestText {
    public enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case utf8BOM = "UTF-8 (BOM)"
        case gb18030 = "GB18030"
    }

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        /// NUL bytes: a spreadsheet, an image or an archive, not text.
        case binary
        /// UTF-16 (Excel's "Unicode text"): not a CSV.
        case utf16
        /// Neither UTF-8 nor GB18030.
        case unknownEncoding

        public var description: String {
            switch self {
            case .empty: "the file is empty"
            case .binary: "the file is not text (an .xlsx, an image or an archive?); save the manifest as CSV"
            case .utf16: "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV (UTF-8)\" or plain CSV"
            case .unknownEncoding: "the file is neither UTF-8 nor GB18030/GBK text; save it as \"CSV (UTF-8)\""
            }
        }
    }

    public static func decode(_ data: Data) throws(Refusal) -> (text: String, encoding: Encoding) {
        guard !data.isEmpty else { throw .empty }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { throw .utf16 }
        guard !bytes.contains(0) else { throw .binary }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard let text = String(validating: bytes.dropFirst(3), as: UTF8.self) else { throw .unknownEncoding }
            return (text, .utf8BOM)
        }
        if let text = String(validating: bytes, as: UTF8.self) { return (text, .utf8) }
        guard let text = gb18030(bytes) else { throw .unknownEncoding }
        return (text, .gb18030)
    }

    /// glibc's iconv: the whole input must convert, or it is not GB18030.
    private static func gb18030(_ bytes: [UInt8]) -> String? {
        let converter = iconv_open("UTF-8", "GB18030")
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 4)
        let converted: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var outLeft = outBuffer.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else { return -1 }
                return outBuffer.count - outLeft
            }
        }
        guard converted >= 0 else { return nil }
        return String(validating: output[..<converted].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
