import Foundation
import FuzzSupport
import ParcelDomain

/// Handoff manifests as a courier's system exports them: the first byte picks CSV or JSON.
func fuzzManifest(_ input: UnsafeRawBufferPointer) {
    guard let first = input.first else { return }
    let data = Data(input.dropFirst())
    _ = try? Manifest.parse(data, format: first & 1 == 0 ? .csv : .json)
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        fuzzManifest(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
#else
    @main enum Replay { static func main() { FuzzReplay.main(fuzzManifest) } }
#endif
