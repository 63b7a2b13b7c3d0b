import Foundation
import FuzzSupport
import StationProtocol
import StrictJSON

/// A request's way in: framing in chunks as a socket delivers them, the preflight, then every method's
/// parameter types, as the dispatcher decodes them.
func fuzzRequestLine(_ input: UnsafeRawBufferPointer) {
    var framing = LineFraming(maximumLength: 4096)
    let bytes = Array(input)
    // The first byte picks a chunk size, so lines split across reads are covered too.
    let chunk = max(1, Int(bytes.first ?? 0) % 64)
    var pending: [UInt8] = []
    var offset = 0
    while offset < bytes.count {
        pending += bytes[offset..<min(offset + chunk, bytes.count)]
        offset += chunk
        while true {
            let step = pending.withUnsafeBytes { framing.step($0) }
            switch step {
            case .needMore(let consumed):
                pending.removeFirst(consumed)
            case .tooLong(_, let consumed):
                pending.removeFirst(consumed)
                continue
            case .line(let range, let consumed):
                decode(Array(pending[range]))
                pending.removeFirst(consumed)
                continue
            }
            break
        }
    }
}

func decode(_ line: [UInt8]) {
    guard (try? JSONPreflight().check(line)) != nil else { return }
    let data = Data(line)
    let decoder = JSONDecoder()
    guard (try? decoder.decode(RequestHead.self, from: data)) != nil else { return }
    // Every declared method's params, decoded and validated as the dispatcher does.
    for method in Method.allCases { try? decodeAndValidate(method.paramsType, data, decoder) }
}

func decodeAndValidate<P: RequestParams>(_ type: P.Type, _ data: Data, _ decoder: JSONDecoder) throws {
    try decoder.decode(Request<P>.self, from: data).params.validate()
}

#if FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
        fuzzRequestLine(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
#else
    @main enum Replay { static func main() { FuzzReplay.main(fuzzRequestLine) } }
#endif
