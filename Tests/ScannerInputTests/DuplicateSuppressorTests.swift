import Testing

@testable import ScannerInput

@Suite struct DuplicateSuppressorTests {
    let code = Array("SF1234567890123".utf8)

    @Test func sameCodeSameScannerWithinWindowIsDuplicate() {
        var suppressor = DuplicateSuppressor(windowMilliseconds: 1000)
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(0)) == false)
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(300)) == true)
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(999)) == true)
        // Measured from the accepted scan, so a held trigger gets through once per window.
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(1000)) == false)
    }

    @Test func otherScannerOtherCodeOrSymbologyIsNotDuplicate() {
        var suppressor = DuplicateSuppressor(windowMilliseconds: 1000)
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(0)) == false)
        #expect(suppressor.isDuplicate(scanner: "b", bytes: code, symbology: nil, at: .milliseconds(10)) == false)
        #expect(suppressor.isDuplicate(scanner: "a", bytes: Array("X".utf8), symbology: nil, at: .milliseconds(20)) == false)
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: "]C0", at: .milliseconds(30)) == false)
        // A B A: the second A is still a duplicate.
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(40)) == true)
    }

    @Test func zeroWindowTurnsItOffAndForgetClears() {
        var off = DuplicateSuppressor(windowMilliseconds: 0)
        #expect(off.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(0)) == false)
        #expect(off.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(1)) == false)
        var suppressor = DuplicateSuppressor(windowMilliseconds: 1000)
        _ = suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(0))
        suppressor.forget(scanner: "a")
        #expect(suppressor.isDuplicate(scanner: "a", bytes: code, symbology: nil, at: .milliseconds(1)) == false)
    }

    @Test func memoryStaysBoundedByOneWindow() {
        var suppressor = DuplicateSuppressor(windowMilliseconds: 100)
        for index in 0..<2000 {
            _ = suppressor.isDuplicate(scanner: "a", bytes: Array("\(index)".utf8), symbology: nil, at: .milliseconds(UInt64(index) * 10))
        }
        #expect(suppressor.entryCount < 300)
    }
}
