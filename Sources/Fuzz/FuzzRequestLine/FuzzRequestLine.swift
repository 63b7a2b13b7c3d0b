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
    for type in parameterTypes { _ = try? type.decodeRequest(data, decoder) }
}

protocol RequestDecodable { static func decodeRequest(_ data: Data, _ decoder: JSONDecoder) throws }
extension RequestDecodable where Self: Codable & Sendable {
    static func decodeRequest(_ data: Data, _ decoder: JSONDecoder) throws { _ = try decoder.decode(Request<Self>.self, from: data) }
}
extension NoParams: RequestDecodable {}
extension HelloParams: RequestDecodable {}
extension IntakeParams: RequestDecodable {}
extension GetParams: RequestDecodable {}
extension SearchParams: RequestDecodable {}
extension ReturnParams: RequestDecodable {}
extension UndoParams: RequestDecodable {}
extension VerifyParams: RequestDecodable {}
extension ConfirmParams: RequestDecodable {}
extension BacklogParams: RequestDecodable {}
extension SetRoleParams: RequestDecodable {}
extension SubmitScanParams: RequestDecodable {}
extension LabelDecodeParams: RequestDecodable {}
extension StocktakeStartParams: RequestDecodable {}
extension StocktakeRefParams: RequestDecodable {}
extension StocktakeScanParams: RequestDecodable {}
extension ComplaintParams: RequestDecodable {}
extension ComplaintResolveParams: RequestDecodable {}
extension OutgoingParams: RequestDecodable {}
extension DailyReportParams: RequestDecodable {}
extension MonthlyReportParams: RequestDecodable {}
extension HandoffLedgerParams: RequestDecodable {}
extension HandoffOpenParams: RequestDecodable {}
extension HandoffImportParams: RequestDecodable {}
extension HandoffScanParams: RequestDecodable {}
extension HandoffCloseParams: RequestDecodable {}
extension HandoffRefParams: RequestDecodable {}
extension HandoffListParams: RequestDecodable {}
extension ResolveParams: RequestDecodable {}

let parameterTypes: [any RequestDecodable.Type] = [
    NoParams.self, HelloParams.self, IntakeParams.self, GetParams.self, SearchParams.self, ReturnParams.self, UndoParams.self,
    VerifyParams.self, ConfirmParams.self, BacklogParams.self, SetRoleParams.self, SubmitScanParams.self, LabelDecodeParams.self,
    StocktakeStartParams.self, StocktakeRefParams.self, StocktakeScanParams.self, ComplaintParams.self, ComplaintResolveParams.self,
    OutgoingParams.self, DailyReportParams.self, MonthlyReportParams.self, HandoffLedgerParams.self, HandoffOpenParams.self,
    HandoffImportParams.self, HandoffScanParams.self, HandoffCloseParams.self, HandoffRefParams.self, HandoffListParams.self,
    ResolveParams.self,
]

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    fuzzRequestLine(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}
#else
@main enum Replay { static func main() { FuzzReplay.main(fuzzRequestLine) } }
#endif
