import Foundation
import FuzzSupport
import ParcelDomain

/// Whatever a scanner, a photo or a keyboard sends, as text: normalisation, courier ranking, and the other
/// parsers a scan reaches (pickup codes, phone numbers and tails, command barcodes).
func fuzzScanText(_ input: UnsafeRawBufferPointer) {
    let text = String(decoding: input, as: UTF8.self)
    _ = try? ScanText(raw: text)
    _ = try? TrackingNumber(raw: text)
    _ = try? PickupCode(parsing: text)
    _ = try? PhoneNumber(parsing: text)
    _ = try? PhoneNumber.validateTail(text)
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        fuzzScanText(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
#else
    @main enum Replay { static func main() { FuzzReplay.main(fuzzScanText) } }
#endif
