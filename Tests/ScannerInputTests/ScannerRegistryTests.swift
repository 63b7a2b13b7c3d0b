import Testing

@testable import ScannerInput

@Suite struct ScannerRegistryTests {
    static let identity = ScannerIdentity(
        source: .usbHIDKeyboard, vendorID: 0x0C2E, productID: 0x0B61, serialNumber: "SN0001", portPath: "1-1",
        deviceNode: "/dev/bus/usb/001/002")
    static let description = ScannerDescription(identity: identity)

    func code(_ text: String) -> DecodedCode { DecodedCode(bytes: Array(text.utf8), completion: .terminator) }

    @Test func identityKeyPrefersSerialElsePort() {
        var moved = Self.identity
        moved.portPath = "1-4.2"
        moved.deviceNode = "/dev/bus/usb/001/009"
        #expect(moved.key == Self.identity.key)
        #expect(Self.identity.key == "usb:0c2e:0b61:sn=SN0001")
        var noSerial = Self.identity
        noSerial.serialNumber = nil
        #expect(noSerial.key == "usb:0c2e:0b61:port=1-1")
        var otherPort = noSerial
        otherPort.portPath = "1-2"
        #expect(otherPort.key != noSerial.key)
    }

    @Test func scansGetSequenceNumbersAndDuplicatesAreMarked() {
        var registry = ScannerRegistry(duplicateWindowMilliseconds: 1000, graceMilliseconds: 0)
        _ = registry.handle(.attached(Self.description), at: .milliseconds(0))
        let first = registry.handle(.code(Self.identity, code("A1"), at: .milliseconds(10)), at: .milliseconds(10))
        let again = registry.handle(.code(Self.identity, code("A1"), at: .milliseconds(20)), at: .milliseconds(20))
        let other = registry.handle(.code(Self.identity, code("B2"), at: .milliseconds(30)), at: .milliseconds(30))
        guard case .scan(let a) = first.first, case .suppressedDuplicate(let b) = again.first, case .scan(let c) = other.first else {
            Issue.record("unexpected events \(first) \(again) \(other)")
            return
        }
        #expect([a.sequence, b.sequence, c.sequence] == [1, 2, 3])
        #expect(a.text == "A1" && a.timestamp == .milliseconds(10))
        let status = registry.inventory[0]
        #expect(status.scans == 2 && status.suppressedDuplicates == 1 && status.lastScanAt == .milliseconds(30))
    }

    @Test func rejectedCodesAreCountedNotScanned() {
        var registry = ScannerRegistry(duplicateWindowMilliseconds: 1000, graceMilliseconds: 0)
        _ = registry.handle(.attached(Self.description), at: .milliseconds(0))
        var bad = code("A?")
        bad.rejection = "unknown key"
        let events = registry.handle(.code(Self.identity, bad, at: .milliseconds(5)), at: .milliseconds(5))
        #expect(events == [.rejected(Self.identity, bytes: Array("A?".utf8), reason: "unknown key")])
        #expect(registry.inventory[0].rejected == 1 && registry.inventory[0].scans == 0)
    }

    @Test func briefReEnumerationDoesNotFlap() {
        var registry = ScannerRegistry(duplicateWindowMilliseconds: 0, graceMilliseconds: 2000)
        #expect(registry.handle(.attached(Self.description), at: .milliseconds(0)) == [.attached(Self.description, reattached: false)])
        let gone = registry.handle(.gone(Self.identity, reason: "unplugged", partial: Array("SF12".utf8)), at: .milliseconds(100))
        // The partial code is reported at once; the detach is held back.
        #expect(gone == [.partialDropped(Self.identity, bytes: Array("SF12".utf8), reason: "unplugged")])
        #expect(registry.inventory[0].state == .reconnecting)
        #expect(registry.nextDeadline == .milliseconds(2100))
        var moved = Self.description
        moved.identity.portPath = "1-3"
        #expect(registry.handle(.attached(moved), at: .milliseconds(900)).isEmpty)
        #expect(registry.expire(at: .milliseconds(5000)).isEmpty)
        #expect(registry.inventory[0].state == .attached)
        #expect(registry.inventory[0].reattachments == 1)
        #expect(registry.inventory[0].partialsDropped == 1)
    }

    @Test func graceRunningOutReportsDetachedThenReattachKeepsIdentity() {
        var registry = ScannerRegistry(duplicateWindowMilliseconds: 0, graceMilliseconds: 2000)
        _ = registry.handle(.attached(Self.description), at: .milliseconds(0))
        _ = registry.handle(.gone(Self.identity, reason: "unplugged", partial: nil), at: .milliseconds(100))
        #expect(registry.expire(at: .milliseconds(2000)).isEmpty)
        #expect(registry.expire(at: .milliseconds(2100)) == [.detached(Self.identity, reason: "unplugged")])
        #expect(registry.nextDeadline == nil)
        #expect(registry.handle(.attached(Self.description), at: .milliseconds(3000)) == [.attached(Self.description, reattached: true)])
        #expect(registry.inventory.count == 1)
    }

    @Test func zeroGraceDetachesAtOnce() {
        var registry = ScannerRegistry(duplicateWindowMilliseconds: 0, graceMilliseconds: 0)
        _ = registry.handle(.attached(Self.description), at: .milliseconds(0))
        let events = registry.handle(.gone(Self.identity, reason: "unplugged", partial: nil), at: .milliseconds(1))
        #expect(events == [.detached(Self.identity, reason: "unplugged")])
        // A second report of the same unplug (hot-plug LEFT after NO_DEVICE) says nothing more.
        #expect(registry.handle(.gone(Self.identity, reason: "unplugged", partial: nil), at: .milliseconds(2)).isEmpty)
    }
}
