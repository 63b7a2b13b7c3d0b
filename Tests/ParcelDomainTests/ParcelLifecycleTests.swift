import ParcelDomain
import Testing

@Suite("Parcel lifecycle")
struct ParcelLifecycleTests {
    /// The documented lifecycle, written out independently of `ParcelLifecycle.transitions`.
    static let expected: [ParcelState: [ParcelAction: ParcelState]] = [
        .received: [
            .shelve: .shelved,
            .flagException: .exception,
            .requestReturn: .returnRequested,
            .undoIntake: .voided,
            .setPhone: .received,
            .relay: .inTransit,
        ],
        .shelved: [
            .notify: .notified,
            .pickUp: .pickedUp,
            .requestReturn: .returnRequested,
            .flagException: .exception,
            .undoIntake: .voided,
            .setPhone: .shelved,
            .relay: .inTransit,
        ],
        .notified: [
            .notify: .notified,
            .pickUp: .pickedUp,
            .requestReturn: .returnRequested,
            .flagException: .exception,
            .undoIntake: .voided,
            .setPhone: .notified,
            .relay: .inTransit,
        ],
        .returnRequested: [
            .cancelReturn: .shelved,
            .completeReturn: .returned,
            .flagException: .exception,
        ],
        .exception: [
            .resolveException: .shelved,
            .requestReturn: .returnRequested,
            .writeOff: .writtenOff,
            .reportProblem: .exception,
            .resolveProblem: .exception,
            .relay: .inTransit,
        ],
        .pickedUp: [.attachProof: .pickedUp, .reportProblem: .pickedUp, .resolveProblem: .pickedUp],
        .returned: [.reportProblem: .returned, .resolveProblem: .returned],
        .voided: [:],
        .writtenOff: [.resolveProblem: .writtenOff],
        .inTransit: [
            .relay: .inTransit,
            .pullBack: .shelved,
            .forward: .forwarded,
            .flagException: .exception,
            .undoIntake: .voided,
            .setPhone: .inTransit,
        ],
        .forwarded: [.reportProblem: .forwarded, .resolveProblem: .forwarded],
    ]

    @Test("the enumerations have the documented cases and wire names")
    func cases() {
        #expect(
            ParcelState.allCases.map(\.rawValue) == [
                "received", "shelved", "notified", "pickedUp", "returnRequested", "returned", "exception", "voided", "writtenOff",
                "inTransit", "forwarded",
            ])
        #expect(
            ParcelAction.allCases.map(\.rawValue) == [
                "shelve", "notify", "pickUp", "requestReturn", "cancelReturn", "completeReturn", "flagException",
                "resolveException", "undoIntake", "undoPickup", "setPhone", "reportProblem", "resolveProblem", "writeOff",
                "attachProof", "relay", "pullBack", "forward",
            ])
        let legal = Self.expected.values.reduce(0) { $0 + $1.count }
        #expect(legal == 43)
    }

    @Test("every (state, action) pair", arguments: ParcelState.allCases, ParcelAction.allCases)
    func transition(state: ParcelState, action: ParcelAction) throws {
        if let next = Self.expected[state]?[action] {
            #expect(try ParcelLifecycle.apply(action, to: state) == next)
        } else {
            #expect(throws: DomainError.illegalTransition(from: state, action: action)) {
                try ParcelLifecycle.apply(action, to: state)
            }
        }
    }

    @Test("the source table holds exactly the documented transitions")
    func tableMatches() {
        for state in ParcelState.allCases {
            #expect((ParcelLifecycle.transitions[state] ?? [:]) == (Self.expected[state] ?? [:]), "\(state)")
        }
    }

    @Test("undoing a pickup goes back to the state the pickup left, and only from a pickup")
    func undoingPickup() throws {
        #expect(try ParcelLifecycle.undoingPickup(from: .pickedUp, pickedUpFrom: .shelved) == .shelved)
        #expect(try ParcelLifecycle.undoingPickup(from: .pickedUp, pickedUpFrom: .notified) == .notified)
        for state in ParcelState.allCases where state != .pickedUp {
            #expect(throws: DomainError.illegalTransition(from: state, action: .undoPickup)) {
                try ParcelLifecycle.undoingPickup(from: state, pickedUpFrom: .shelved)
            }
        }
        // A pickup log that says the parcel came from anywhere but the shelf is not undone by guesswork.
        for previous in [ParcelState.received, .returnRequested, .exception, .pickedUp] {
            #expect(throws: DomainError.illegalTransition(from: .pickedUp, action: .undoPickup)) {
                try ParcelLifecycle.undoingPickup(from: .pickedUp, pickedUpFrom: previous)
            }
        }
        #expect(throws: DomainError.illegalTransition(from: .pickedUp, action: .undoPickup)) {
            try ParcelLifecycle.undoingPickup(from: .pickedUp, pickedUpFrom: nil)
        }
    }

    @Test("the undo window includes its last second and nothing after it")
    func undoWindow() {
        let at: Int64 = 1_000_000
        #expect(ParcelLifecycle.canUndo(stepAt: at, now: at + 600_000, windowSeconds: 600))
        #expect(!ParcelLifecycle.canUndo(stepAt: at, now: at + 600_001, windowSeconds: 600))
        #expect(ParcelLifecycle.canUndo(stepAt: at, now: at - 5_000, windowSeconds: 600))  // clock stepped back
        #expect(!ParcelLifecycle.canUndo(stepAt: at, now: at + 1, windowSeconds: 0))
    }

    @Test("voided is final and releases like a pickup")
    func voidedIsFinal() {
        #expect(ParcelState.voided.isFinal)
        #expect(!ParcelState.voided.isActive)
        #expect(!ParcelState.active.contains(.voided))
    }

    /// An ended stay never comes back to the shelf: only records about it (a proof, a problem noted after the
    /// fact) may follow, and they keep it where it ended.
    @Test("final states lead nowhere else", arguments: ParcelState.final)
    func finalStatesAreDeadEnds(state: ParcelState) {
        let annotations: Set<ParcelAction> = [.attachProof, .reportProblem, .resolveProblem]
        for action in ParcelAction.allCases {
            if annotations.contains(action), let next = ParcelLifecycle.transitions[state]?[action] {
                #expect(next == state, "\(state) \(action)")
                continue
            }
            #expect(throws: DomainError.illegalTransition(from: state, action: action)) {
                try ParcelLifecycle.apply(action, to: state)
            }
        }
    }

    @Test("a typical life: received → shelved → notified → notified → picked up")
    func typicalLife() throws {
        var state = ParcelState.received
        for action in [ParcelAction.shelve, .notify, .notify, .pickUp] {
            state = try ParcelLifecycle.apply(action, to: state)
        }
        #expect(state == .pickedUp)
        #expect(state.isFinal)
    }

    @Test("a return that is cancelled, flagged, resolved, then completed")
    func returnPath() throws {
        var state = ParcelState.received
        for action in [
            ParcelAction.shelve, .requestReturn, .cancelReturn, .flagException, .resolveException, .requestReturn, .completeReturn,
        ] {
            state = try ParcelLifecycle.apply(action, to: state)
        }
        #expect(state == .returned)
    }

    @Test(
        "isActive and isFinal per state",
        arguments: [
            (ParcelState.received, true, false),
            (.shelved, true, false),
            (.notified, true, false),
            (.pickedUp, false, true),
            (.returnRequested, true, false),
            (.returned, false, true),
            (.exception, true, false),
            (.inTransit, true, false),
            (.forwarded, false, true),
        ])
    func activeAndFinal(state: ParcelState, active: Bool, final: Bool) {
        #expect(state.isActive == active)
        #expect(state.isFinal == final)
        #expect(ParcelState.active.contains(state) == active)
    }

    @Test("the state groups")
    func groups() {
        #expect(ParcelState.active == [.received, .shelved, .notified, .returnRequested, .exception, .inTransit])
        #expect(ParcelState.awaitingPickup == [.shelved, .notified])
    }

    // MARK: overdue

    static let hour: Int64 = 3_600_000
    static let shelvedAt: Int64 = 1_700_000_000_000

    @Test("overdue boundaries while waiting", arguments: [ParcelState.shelved, .notified])
    func overdueBoundaries(state: ParcelState) {
        let hold = 72
        let limit = Self.shelvedAt + Int64(hold) * Self.hour
        #expect(ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: limit, holdHours: hold))
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: limit - 1, holdHours: hold))
        #expect(ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: limit + 1, holdHours: hold))
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: Self.shelvedAt, holdHours: hold))
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: Self.shelvedAt - Self.hour, holdHours: hold))
        // One hour's hold.
        #expect(ParcelLifecycle.isOverdue(state: state, shelvedAt: 0, now: Self.hour, holdHours: 1))
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: 0, now: Self.hour - 1, holdHours: 1))
        // A zero hold is overdue at once.
        #expect(ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: Self.shelvedAt, holdHours: 0))
        // Long holds do not overflow.
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: Self.shelvedAt + 999 * Self.hour, holdHours: 1000))
        #expect(ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: Self.shelvedAt + 1000 * Self.hour, holdHours: 1000))
    }

    @Test(
        "states not waiting on a shelf are never overdue",
        arguments: [ParcelState.received, .pickedUp, .returnRequested, .returned, .exception])
    func notWaitingNeverOverdue(state: ParcelState) {
        #expect(
            !ParcelLifecycle.isOverdue(state: state, shelvedAt: Self.shelvedAt, now: Self.shelvedAt + 10_000 * Self.hour, holdHours: 72))
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: 0, now: Int64.max / 2, holdHours: 0))
    }

    @Test("no shelving time: never overdue", arguments: ParcelState.allCases)
    func nilShelvedAt(state: ParcelState) {
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: nil, now: Int64.max / 2, holdHours: 0))
        #expect(!ParcelLifecycle.isOverdue(state: state, shelvedAt: nil, now: Self.shelvedAt + 10_000 * Self.hour, holdHours: 72))
    }
}
