import Foundation
import Testing

@testable import StationWeb

/// The console's pieces that need no browser: escaping, PIN hashes, forms, the sign-in limit, the configuration.
struct ConsolePartsTests {
    @Test func interpolatedTextIsEscapedAndMarkupIsNot() {
        let name = "<script>alert('x')</script>&\""
        let html: HTML = "<td>\(name)</td>\(HTML(raw: "<b>ok</b>"))"
        #expect(html.text == "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;</td><b>ok</b>")
    }

    @Test func aPINHashVerifiesItsPINOnly() throws {
        let stored = try PINHash.make(pin: "2468")
        #expect(stored.hasPrefix("pbkdf2-sha256$210000$"))
        #expect(!stored.contains("2468"))
        #expect(PINHash.verify(pin: "2468", stored: stored))
        #expect(!PINHash.verify(pin: "2469", stored: stored))
        #expect(!PINHash.verify(pin: "2468", stored: "2468"), "a PIN written in clear is no hash")
        #expect(PINHash.isWellFormed(stored))
        #expect(!PINHash.isWellFormed("pbkdf2-sha256$1$AA==$AA=="))
    }

    @Test func formFieldsKeepRepeatedNamesAndDecodeUTF8() {
        let form = FormFields(text: "tracking=A1&tracking=B2&name=%E7%8E%8B%E8%8A%B3&note=a+b&empty=")
        #expect(form.all("tracking") == ["A1", "B2"])
        #expect(form["name"] == "王芳")
        #expect(form["note"] == "a b")
        #expect(form.text("empty") == nil)
    }

    @Test func whatARecipientGivesIsReadAsTailPhoneOrCode() {
        #expect(PickupCredential("5678")?.kind == .tail)
        #expect(PickupCredential("13800138000")?.kind == .phone)
        #expect(PickupCredential("3-2-0147")?.kind == .code)
        #expect(PickupCredential("56") == nil)
        #expect(PickupCredential("abcd") == nil)
        #expect(PickupCredential("５６７８") == nil, "full-width digits are not taken for a tail")
    }

    @Test func afterSignInTheBrowserOnlyGoesToAPageOfThisConsole() {
        #expect(SignInRoutes.safeNext("/pickup?q=5678") == "/pickup?q=5678")
        #expect(SignInRoutes.safeNext("//evil.example/") == "/intake")
        #expect(SignInRoutes.safeNext("https://evil.example/") == "/intake")
        #expect(SignInRoutes.safeNext("/\\evil.example") == "/intake")
        #expect(SignInRoutes.safeNext(nil) == "/intake")
    }

    @Test func fiveWrongPINsPauseSignInForThatName() async throws {
        let configuration = ConsoleConfiguration(staff: [.init(name: "王芳", pin: try PINHash.make(pin: "2468"))])
        let sessions = SessionStore(configuration: configuration)
        for _ in 0..<5 {
            await #expect(throws: SignInRefusal.unknownOrWrong) { try await sessions.signIn(name: "王芳", pin: "0000", address: "a") }
        }
        await #expect {
            try await sessions.signIn(name: "王芳", pin: "2468", address: "b")
        } throws: { error in
            if case .coolingDown = error as? SignInRefusal { true } else { false }
        }
        let other = SessionStore(configuration: configuration)
        let session = try await other.signIn(name: "王芳", pin: "2468", address: "a")
        #expect(await other.session(id: session.id, touch: true)?.staff == "王芳")
        #expect(await other.session(id: "forged", touch: true) == nil)
    }

    @Test func theConfigurationRefusesClearPINsAndAnOpenAddressWithoutLAN() throws {
        let clear = ConsoleConfiguration(staff: [.init(name: "王芳", pin: "2468")])
        #expect(throws: ConsoleConfigurationError.self) { try clear.validate() }
        let hashed = try PINHash.make(pin: "2468")
        let open = ConsoleConfiguration(staff: [.init(name: "王芳", pin: hashed)], listen: "0.0.0.0:8080")
        #expect(throws: ConsoleConfigurationError.self) { try open.validate() }
        let lan = ConsoleConfiguration(staff: [.init(name: "王芳", pin: hashed)], listen: "0.0.0.0:8080", allowLAN: true)
        try lan.validate()
        let twice = ConsoleConfiguration(staff: [.init(name: "王芳", pin: hashed), .init(name: "王芳", pin: hashed)])
        #expect(throws: ConsoleConfigurationError.self) { try twice.validate() }
    }
}
