import ParcelDomain

/// The scanner role command sheet: one Code 128 barcode per role (`PSCMD:INTAKE`, …); scanning one with a scanner
/// switches that scanner's role. parcelctl writes it as a page or images, the console shows it as a page to print;
/// both take the barcodes from here.
public enum CommandSheet {
    public struct Entry: Sendable {
        /// The role's wire name (`intake`) and Chinese name (`入库`).
        public let role: String
        public let label: String
        /// The text the barcode carries.
        public let text: String
        /// The barcode as an SVG element, drawn with presentation attributes only (no `style`), so a page with a
        /// strict Content-Security-Policy shows it.
        public let svg: String
    }

    /// Every role's entry, in the roles' order.
    public static func entries(moduleWidth: Double = 2, height: Double = 70) throws -> [Entry] {
        try ScannerRole.allCases.map { role in
            let text = CommandBarcode.text(for: role)
            return Entry(
                role: role.rawValue, label: role.label, text: text,
                svg: try Code128.svg(for: text, moduleWidth: moduleWidth, height: height))
        }
    }
}
