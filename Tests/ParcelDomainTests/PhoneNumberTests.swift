import ParcelDomain
import Testing

@Suite("PhoneNumber")
struct PhoneNumberTests {
    static let tailReason = "a phone tail is exactly 4 digits"

    @Test(
        "mobile numbers, with or without country code and separators",
        arguments: [
            "13812345678",
            "+86 138-1234-5678",
            "0086 13812345678",
            "8613812345678",
            "+8613812345678",
            "+86-138-1234-5678",
            "138 1234 5678",
            "138-1234-5678",
            " 13812345678 \n",
            "(+86) 138 1234 5678",
            "008613812345678",
        ])
    func mobile(text: String) throws {
        let phone = try PhoneNumber(parsing: text)
        #expect(phone.digits == "13812345678")
        #expect(phone.tail == "5678")
    }

    @Test(
        "landlines and other lengths from 7 to 12 digits",
        arguments: [
            ("010-12345678", "01012345678", "5678"),
            ("0755-8888 1234", "075588881234", "1234"),
            ("(0571) 8765 4321", "057187654321", "4321"),
            ("1234567", "1234567", "4567"),
            ("12345678", "12345678", "5678"),
            ("0086 0571 87654321", "057187654321", "4321"),
        ])
    func landline(text: String, digits: String, tail: String) throws {
        let phone = try PhoneNumber(parsing: text)
        #expect(phone.digits == digits)
        #expect(phone.tail == tail)
    }

    @Test(
        "virtual numbers with an extension keep the main number",
        arguments: [
            "13812345678转1234",
            "13812345678 转 1234",
            "+86 138-1234-5678转1234",
            "13812345678,1234",
            "13812345678转12",
        ])
    func virtualWithExtension(text: String) throws {
        let phone = try PhoneNumber(parsing: text)
        #expect(phone.digits == "13812345678")
        #expect(phone.tail == "5678")
    }

    @Test("86 is a country code only on a 13-digit number")
    func eightySixPrefix() throws {
        // 12 digits starting 86: a landline-length number, kept as it is.
        #expect(try PhoneNumber(parsing: "861234567890").digits == "861234567890")
        #expect(try PhoneNumber(parsing: "8612345678").digits == "8612345678")
    }

    @Test(
        "too short, too long, or not digits: invalidPhone",
        arguments: [
            "",
            " ",
            "123456",
            "138-123",
            "1381234567890",
            "13812345678901234",
            "00861381234567890",
            "abcdefghijk",
            "phone",
            "１３８１２３４５６７８",
            "转",
            "+86",
            "0086",
        ])
    func invalid(text: String) {
        // The reason names what is wrong (empty, a stray character, the digit count); the kind is what matters.
        #expect {
            try PhoneNumber(parsing: text)
        } throws: { error in
            if case DomainError.invalidPhone = error { return true }
            return false
        }
    }

    @Test("equal digits, equal numbers")
    func equality() throws {
        #expect(try PhoneNumber(parsing: "+86 138-1234-5678") == PhoneNumber(parsing: "13812345678"))
        #expect(try PhoneNumber(parsing: "13812345678") != PhoneNumber(parsing: "13812345679"))
    }

    // MARK: tail

    @Test(
        "a tail on its own: exactly four ASCII digits, spaces trimmed",
        arguments: [
            ("5678", "5678"),
            (" 5678 ", "5678"),
            ("\t0000\r\n", "0000"),
            ("\u{3000}0123\u{3000}", "0123"),
        ])
    func validTail(text: String, expected: String) throws {
        #expect(try PhoneNumber.validateTail(text) == expected)
    }

    @Test(
        "malformed tails: invalidPhone",
        arguments: ["567", "56789", "56a8", "５６７８", "", "    ", "5 678", "-567", "+567", "5６78", "٥٦٧٨", "12345678"])
    func invalidTail(text: String) {
        #expect(throws: DomainError.invalidPhone(reason: Self.tailReason)) { try PhoneNumber.validateTail(text) }
    }
}

@Suite("Phone numbers: what is refused rather than guessed")
struct PhoneNumberStrictnessTests {
    @Test(
        "letters and stray symbols are refused, not dropped",
        arguments: ["1381234567a", "138123456O8", "138 1234 5678!", "转12345678", "", "+1 415 555 0100"])
    func refusesNonDigits(text: String) {
        #expect(throws: DomainError.self) { try PhoneNumber(parsing: text) }
    }

    @Test(
        "extensions and country codes",
        arguments: [
            ("13812345678-1234", "13812345678"), ("138-1234-5678-99", "13812345678"), ("13812345678#12", "13812345678"),
            ("+86 10 12345678", "1012345678"), ("0086 (010) 1234-5678", "01012345678"), ("(0755) 8888-1234", "075588881234"),
        ])
    func extensionsAndCountryCodes(text: String, digits: String) throws {
        #expect(try PhoneNumber(parsing: text).digits == digits)
    }
}
