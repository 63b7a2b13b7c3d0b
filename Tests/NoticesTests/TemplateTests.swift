import Foundation
import StationTestSupport
import Testing

@testable import Notices

@Suite struct TemplateTests {
    @Test func defaultFirstNoticeReadsLikeAnSMS() throws {
        let text = try NoticeTemplateSet.defaults.render(.first, liJiaCunFacts, timeZone: shanghai)
        #expect(text == "【李家村服务站】您的中通快递已到站，取件码3-2-0147，请于11月29日前到店领取。营业时间8:00-20:00")
    }

    @Test func reminderAndOverdueNameTheTrackingTailAndCount() throws {
        var facts = liJiaCunFacts
        facts.reminderCount = 2
        let reminder = try NoticeTemplateSet.defaults.render(.reminder, facts, timeZone: shanghai)
        #expect(reminder.contains("第2次提醒"))
        #expect(reminder.contains("尾号9012"))
        #expect(reminder.contains("取件码3-2-0147"))
        let overdue = try NoticeTemplateSet.defaults.render(.overdue, facts, timeZone: shanghai)
        #expect(overdue.contains("已过保管期（11月29日）"))
        #expect(!overdue.contains("75123456789012"), "only the tail of the tracking number is sent")
    }

    @Test func composerNumbersRemindersFromTheKey() throws {
        let message = try NoticeComposer(timeZone: shanghai).compose(
            NoticeKey(eventId: "evt-7", kind: .reminder, reminder: 3), facts: liJiaCunFacts, recipient: .init(phoneTail: "1234"))
        #expect(message.text.contains("第3次提醒"))
        #expect(message.key.description == "evt-7/reminder/3")
        #expect(message.deadlineText == "11月29日")
        #expect(message.trackingTail == "9012")
        // Other kinds carry reminder 0 whatever they were given.
        #expect(NoticeKey(eventId: "e", kind: .first, reminder: 5).reminder == 0)
    }

    @Test func deadlineIsWrittenInTheStationsTimeZone() {
        // 17:00 UTC on 28 November is already 29 November in China.
        let deadline = date(2026, 11, 28, 17, in: TimeZone(identifier: "UTC")!)
        #expect(ChineseDate.monthDay(deadline, timeZone: shanghai) == "11月29日")
        #expect(ChineseDate.monthDay(deadline, timeZone: TimeZone(identifier: "UTC")!) == "11月28日")
    }

    @Test func placeholdersAndBraces() throws {
        let template = try NoticeTemplate("{{{code}}} {station}")
        #expect(template.render(liJiaCunFacts, timeZone: shanghai) == "{3-2-0147} 李家村服务站")
        #expect(template.placeholders == [.code, .station])
        #expect(throws: NoticeTemplateError.unknownPlaceholder("phone")) { try NoticeTemplate("取件码{code}，电话{phone}") }
        #expect(throws: NoticeTemplateError.strayBrace(3)) { try NoticeTemplate("取件码{code") }
        #expect(throws: NoticeTemplateError.strayBrace(0)) { try NoticeTemplate("}") }
        #expect(throws: NoticeTemplateError.empty) { try NoticeTemplate("") }
    }

    @Test func defaultsFitTheLimitWithTheLongestValues() throws {
        let sample = NoticeFacts.longest(stationName: "城关镇李家村村级快递综合服务站", openingHours: "8:30-18:30（周一至周五）")
        try NoticeTemplateSet.defaults.validate(sample: sample, timeZone: shanghai)
    }

    @Test func jsonFileOverridesSomeKindsAndKeepsDefaults() throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let path = dir.file("templates.json")
        try #"{"maxLength": 100, "templates": {"first": "【{station}】{courier}到了，取件码{code}，{deadline}前来拿"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let set = try NoticeTemplateSet.load(
            path: path, sample: .longest(stationName: "李家村服务站", openingHours: "8:00-20:00"), timeZone: shanghai)
        #expect(set.maxLength == 100)
        #expect(try set.render(.first, liJiaCunFacts, timeZone: shanghai) == "【李家村服务站】中通快递到了，取件码3-2-0147，11月29日前来拿")
        #expect(set.template(for: .reminder) == NoticeTemplateSet.defaults.template(for: .reminder))
    }

    @Test func badJSONFilesAreRefusedNamingTheProblem() throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let sample = NoticeFacts.longest(stationName: "李家村服务站", openingHours: "8:00-20:00")
        let path = dir.file("bad.json")

        try #"{"templates": {"reminder": "请取件{code}，联系{phone}"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try NoticeTemplateSet.load(path: path, sample: sample, timeZone: shanghai)
            Issue.record("an unknown placeholder was accepted")
        } catch {
            #expect(error == .inFile(path: path, line: nil, kind: .reminder, .unknownPlaceholder("phone")))
            #expect(error.description.contains("unknown placeholder {phone}"))
            #expect(error.description.contains("(reminder)"))
        }

        try #"{"templates": {"second": "x"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: NoticeTemplateError.inFile(path: path, line: nil, kind: nil, .unknownKind("second"))) {
            try NoticeTemplateSet.load(path: path, sample: sample, timeZone: shanghai)
        }

        try #"{"templates": ["#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: NoticeTemplateError.self) { try NoticeTemplateSet.load(path: path, sample: sample, timeZone: shanghai) }

        #expect(throws: NoticeTemplateError.self) {
            try NoticeTemplateSet.load(path: dir.file("missing.json"), sample: sample, timeZone: shanghai)
        }
    }

    @Test func overLongTemplatesAreRefusedAtLoad() throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let path = dir.file("long.json")
        try #"{"maxLength": 40, "templates": {"overdue": "【{station}】您的{courier}（尾号{tracking}）已过保管期（{deadline}），取件码{code}"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let sample = NoticeFacts.longest(stationName: "李家村服务站", openingHours: "8:00-20:00")
        do {
            _ = try NoticeTemplateSet.load(path: path, sample: sample, timeZone: shanghai)
            Issue.record("an over-long template was accepted")
        } catch {
            // The first kind checked is `first` (a default, itself longer than 40).
            guard case .inFile(path, nil, .some(let kind), .tooLong(let tooLongKind, let length, 40)) = error, kind == tooLongKind
            else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(length > 40)
            #expect(error.description.contains("limit is 40"))
        }
        // Rendering guards the limit too, for facts longer than the sample.
        var set = NoticeTemplateSet.defaults
        set.maxLength = 30
        #expect(throws: NoticeTemplateError.tooLong(kind: .first, length: 58, limit: 30)) {
            try set.render(.first, liJiaCunFacts, timeZone: shanghai)
        }
    }

    @Test func textFilesNameTheLineOfAnError() throws {
        let text = """
            # 李家村 templates
            first = 【{station}】取件码{code}

            reminder = 【{station}】请取件，{code}，{hoursx}
            """
        #expect(throws: NoticeTemplateError.inFile(path: "t.txt", line: 4, kind: .reminder, .unknownPlaceholder("hoursx"))) {
            try NoticeTemplateSet.parse(text, path: "t.txt")
        }
        #expect(throws: NoticeTemplateError.inFile(path: "t.txt", line: 1, kind: nil, .malformedFile("expected `kind = template`"))) {
            try NoticeTemplateSet.parse("just text", path: "t.txt")
        }
        #expect(throws: NoticeTemplateError.inFile(path: "t.txt", line: 2, kind: .first, .duplicateKind(.first))) {
            try NoticeTemplateSet.parse("first = a{code}\nfirst = b", path: "t.txt")
        }
        let set = try NoticeTemplateSet.parse("first = 【{station}】取件码{code}\n", path: "t.txt")
        #expect(try set.render(.first, liJiaCunFacts, timeZone: shanghai) == "【李家村服务站】取件码3-2-0147")
    }
}
