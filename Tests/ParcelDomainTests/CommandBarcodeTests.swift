import Testing

@testable import ParcelDomain

@Suite struct CommandBarcodeTests {
    @Test func everyRoleRoundTripsThroughItsPrintedText() throws {
        for role in ScannerRole.allCases {
            let text = CommandBarcode.text(for: role)
            #expect(text == "PSCMD:" + role.rawValue.uppercased())
            #expect(try CommandBarcode.role(in: text) == role)
            // As scanners deliver it: AIM prefix, lower case, terminator.
            #expect(try CommandBarcode.role(in: "]C0" + text.lowercased() + "\r\n") == role)
        }
    }

    @Test func parcelsAreNotCommandsAndBrokenCommandsAreErrors() throws {
        #expect(try CommandBarcode.role(in: "SF1234567890123") == nil)
        #expect(try CommandBarcode.role(in: "]C0SF1234567890123") == nil)
        #expect(throws: DomainError.unknownCommand("PSCMD:")) { try CommandBarcode.role(in: "PSCMD:") }
        #expect(throws: DomainError.unknownCommand("PSCMD:PICKUPX")) { try CommandBarcode.role(in: "PSCMD:PICKUPX") }
    }
}
