import Foundation
import FuzzSupport
import LabelDecoding

/// Image bytes as a camera spool or `Label.Decode` delivers them: sniffing, header checks, the JPEG, PNG, WebP
/// and PGM decoders and the pass cascade, under small limits so each input stays fast.
let decoder = LabelDecoder(
    limits: DecodeLimits(maxFileBytes: 1 << 20, maxPixels: 1 << 20, timeBudget: .milliseconds(200)), readsPhoneTail: false)

func fuzzImage(_ input: UnsafeRawBufferPointer) {
    _ = try? decoder.decode(bytes: Array(input))
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        fuzzImage(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
#else
    @main enum Replay { static func main() { FuzzReplay.main(fuzzImage) } }
#endif
