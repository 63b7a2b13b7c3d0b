import Foundation
import StrictJSON
import Testing

@Suite struct JSONPreflightTests {
    let preflight = JSONPreflight()

    func check(_ text: String) throws(JSONPreflightError) { try preflight.check(Array(text.utf8)) }

    @Test func acceptsWhatRFC8259Accepts() throws {
        for text in [
            #"{}"#, #"[]"#, #" {"a": [1, -2.5e+3, 0, true, false, null, "x\"\\\/\n\t\r\u00e9"]} "#, #""plain""#, "12", "-0.0E-1",
            #"{"id":1,"method":"Station.Status","params":{}}"#, "{\"text\":\"line one\\nline two\\ttabbed\"}", #"["中文", "\u4e2d"]"#,
        ] {
            try check(text)
        }
    }

    @Test func refusesWhatFoundationForgives() {
        for text in [
            #"{"a":1,}"#, #"[1,2,]"#, #"{"a":1} x"#, "", "   ", #"{'a':1}"#, #"{a:1}"#, "[01]", "[1.]", "[.5]", "[+1]", "[NaN]",
            "[Infinity]",
            "[tru]", #"{"a" 1}"#, #"["unterminated]"#, "[\"raw\ttab\"]", #"["\x"]"#, #"["\u12"]"#, "// c\n{}", "[1 2]",
        ] {
            #expect(throws: JSONPreflightError.self, "\(text)") { try check(text) }
        }
    }

    @Test func nestingIsLimitedBeforeFoundationSeesIt() throws {
        try check(String(repeating: "[", count: 32) + String(repeating: "]", count: 32))
        #expect(throws: JSONPreflightError.tooDeep(limit: 32, offset: 32)) {
            try check(String(repeating: "[", count: 33) + String(repeating: "]", count: 33))
        }
        // The line that killed the daemon: 512 unclosed brackets after a head.
        let killer = #"{"method":"Station.Status","id":"# + String(repeating: "[", count: 512)
        #expect(throws: JSONPreflightError.tooDeep(limit: 32, offset: 63)) { try check(killer) }
        #expect(throws: JSONPreflightError.self) { try check(String(repeating: "[", count: 513)) }
        #expect(throws: JSONPreflightError.self) { try check(String(repeating: "{\"a\":", count: 100_000)) }
    }

    @Test func controlCharactersAreRefusedWithTheirField() {
        #expect(throws: JSONPreflightError.controlCharacter(path: "params.scanner", scalar: 0)) {
            try check(#"{"method":"Scan.Submit","params":{"scanner":"a\u0000b","text":"SF1"}}"#)
        }
        #expect(throws: JSONPreflightError.controlCharacter(path: "params.lines[1].note", scalar: 0x1B)) {
            try check(#"{"params":{"lines":[{"note":"ok"},{"note":"\u001b[31m"}]}}"#)
        }
        #expect(throws: JSONPreflightError.controlCharacter(path: "params", scalar: 0)) { try check(#"{"params":{"k\u0000":1}}"#) }
        #expect(throws: JSONPreflightError.controlCharacter(path: "text", scalar: 8)) { try check(#"{"text":"\b"}"#) }
        #expect(throws: JSONPreflightError.controlCharacter(path: "text", scalar: 0x7F)) { try check("{\"text\":\"a\u{7F}\"}") }
        #expect(throws: JSONPreflightError.controlCharacter(path: "text", scalar: 0x85)) { try check("{\"text\":\"a\u{85}\"}") }
        #expect(throws: JSONPreflightError.controlCharacter(path: "", scalar: 0)) { try check(#""\u0000abc""#) }
        #expect(throws: JSONPreflightError.controlCharacter(path: "", scalar: 0x1F)) { try check(#""abc\u001F""#) }
    }

    @Test func ownOutputKeepsStoredTextWhole() throws {
        try StrictJSONDecoder.ownOutput.preflight.check(Array(#"{"text":"a\u0000\b"}"#.utf8))
        #expect(throws: JSONPreflightError.self) {
            try StrictJSONDecoder.ownOutput.preflight.check(
                Array("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]".utf8))
        }
    }

    @Test func decoderThrowsThePreflightErrorNotFoundations() throws {
        struct Config: Decodable { var a: Int }
        #expect(throws: JSONPreflightError.self) { try StrictJSONDecoder().decode(Config.self, from: Data(#"{"a":1,}"#.utf8)) }
        #expect(try StrictJSONDecoder().decode(Config.self, from: Data(#"{"a":1}"#.utf8)).a == 1)
    }

    /// Every prefix and every one-byte change of a valid request ends in an answer, never a crash or a hang.
    @Test func mutationsOfARequestNeverTrap() {
        let base = Array(
            #"{"id":7,"method":"Parcel.Intake","params":{"tracking":"SF1234567890123","phone":"13812345678","n":[1.5e3,true,null]}}"#.utf8)
        var generator = SystemRandomNumberGenerator()
        for length in 0...base.count { _ = try? preflight.check(Array(base[..<length])) }
        for _ in 0..<20_000 {
            var bytes = base
            bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            if (try? preflight.check(bytes)) != nil { _ = try? JSONDecoder().decode([String: AnyDecodable].self, from: Data(bytes)) }
        }
    }
}

/// Decodes anything, to hand Foundation every input the preflight lets through.
struct AnyDecodable: Decodable {
    init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            while !array.isAtEnd { _ = try array.decode(AnyDecodable.self) }
        } else if let object = try? decoder.container(keyedBy: AnyKey.self) {
            for key in object.allKeys { _ = try object.decode(AnyDecodable.self, forKey: key) }
        } else {
            _ = try? decoder.singleValueContainer().decode(String.self)
        }
    }
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
