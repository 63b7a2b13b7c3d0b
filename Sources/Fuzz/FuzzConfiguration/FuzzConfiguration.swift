import Foundation
import FuzzSupport
import StationConfiguration

/// The daemon's configuration file, decoded and validated exactly as `parcel-stationd --config` does, and the
/// station settings built from it: anything but a `ConfigurationError` (exit 78) is a finding.
func fuzzConfiguration(_ input: UnsafeRawBufferPointer) {
    guard let config = try? DaemonConfiguration.parse(Data(input), name: "fuzz") else { return }
    _ = config.settings
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        fuzzConfiguration(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
#else
    @main enum Replay { static func main() { FuzzReplay.main(fuzzConfiguration) } }
#endif
