/// What went wrong with a problem parcel (问题件).
public enum ProblemKind: String, Sendable, CaseIterable, Codable {
    /// Not where the ledger says (a stocktake's missing list, a recipient at the counter with no parcel to give).
    case lost
    /// Broken, wet, opened.
    case damaged
    /// Collected by the wrong person (错拿/冒领).
    case wrongCollected
    /// The recipient refused it (拒收).
    case refused
    /// The address or recipient is wrong or cannot be found.
    case badAddress

    /// The name staff know it by.
    public var label: String {
        switch self {
        case .lost: "丢失"
        case .damaged: "破损"
        case .wrongCollected: "错拿/冒领"
        case .refused: "拒收"
        case .badAddress: "地址错误"
        }
    }
}

/// How a problem parcel was closed.
public enum ProblemResolution: String, Sendable, CaseIterable, Codable {
    /// Found, or put right: a parcel still here goes back on its shelf.
    case found
    /// Sent back to the courier: a parcel still here waits for the return handoff.
    case returnedToCourier
    /// The station or the courier paid for it: a parcel still here (as a record) leaves the ledger's stock.
    case compensated
    /// Given up without payment: as `compensated`, without the payment.
    case writtenOff

    public var label: String {
        switch self {
        case .found: "已找到/已处理"
        case .returnedToCourier: "退回快递"
        case .compensated: "已赔付"
        case .writtenOff: "已核销"
        }
    }
}

/// Which lifecycle step a problem takes its parcel through. A problem on a parcel still in the station's care
/// takes it off the pickup backlog (exception) until it is resolved; one on a stay already ended (collected by the
/// wrong person) only notes it. A parcel carries at most one open problem.
public enum ProblemSteps {
    /// The step that records a new problem on a parcel in `state`; throws for a stay that never counted (voided).
    public static func opening(from state: ParcelState) throws -> ParcelAction {
        if state == .exception || state.isFinal {
            guard ParcelLifecycle.transitions[state]?[.reportProblem] != nil else {
                throw DomainError.illegalTransition(from: state, action: .reportProblem)
            }
            return .reportProblem
        }
        return .flagException
    }

    /// The step that closes a problem with `resolution` on a parcel in `state`.
    public static func resolving(from state: ParcelState, with resolution: ProblemResolution) throws -> ParcelAction {
        guard state == .exception else {
            guard ParcelLifecycle.transitions[state]?[.resolveProblem] != nil else {
                throw DomainError.illegalTransition(from: state, action: .resolveProblem)
            }
            return .resolveProblem
        }
        switch resolution {
        case .found: return .resolveException
        case .returnedToCourier: return .requestReturn
        case .compensated, .writtenOff: return .writeOff
        }
    }
}
