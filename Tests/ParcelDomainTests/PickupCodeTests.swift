import StationTestSupport
import Testing

@testable import ParcelDomain

@Suite("PickupCode")
struct PickupCodeTests {
    @Test(
        "parses shelf-layer-sequence",
        arguments: [
            ("3-2-0147", 3, 2, 147),
            ("3-2-147", 3, 2, 147),
            (" 3-2-0147 ", 3, 2, 147),
            ("\t3-2-0147\r\n", 3, 2, 147),
            ("\u{3000}3-2-147\u{3000}", 3, 2, 147),
            ("1-1-0001", 1, 1, 1),
            ("1-1-1", 1, 1, 1),
            ("12-10-9999", 12, 10, 9999),
            ("7-3-1000", 7, 3, 1000),
            ("03-02-0147", 3, 2, 147),
        ])
    func parses(text: String, shelf: Int, layer: Int, sequence: Int) throws {
        let code = try PickupCode(parsing: text)
        #expect(code == PickupCode(shelf: shelf, layer: layer, sequence: sequence))
        #expect(code.shelf == shelf)
        #expect(code.layer == layer)
        #expect(code.sequence == sequence)
    }

    @Test(
        "rejects malformed codes, quoting the input",
        arguments: [
            "3-2", "a-b-c", "0-1-1", "3-0-1", "3-2-10000", "3-2-0", "3-2-0000", "3--1", "", " ", "-", "--",
            "3-2-0147-1", "3-2-00147", "-1-2-3", "3-2-", "-2-147", "3 2 0147", "3-2- 147", "3-2-14a", "3.2.0147",
            "３-２-０１４７", "3-2-147\n5", "+3-+2-+147", "3-2-+147",
        ])
    func rejects(text: String) {
        #expect(throws: DomainError.malformedPickupCode(text)) { try PickupCode(parsing: text) }
    }

    @Test(
        "description pads the sequence to four digits",
        arguments: [
            (PickupCode(shelf: 3, layer: 2, sequence: 147), "3-2-0147"),
            (PickupCode(shelf: 3, layer: 2, sequence: 5), "3-2-0005"),
            (PickupCode(shelf: 3, layer: 2, sequence: 40), "3-2-0040"),
            (PickupCode(shelf: 3, layer: 2, sequence: 9999), "3-2-9999"),
            (PickupCode(shelf: 10, layer: 4, sequence: 1000), "10-4-1000"),
            (PickupCode(shelf: 1, layer: 1, sequence: 1), "1-1-0001"),
        ])
    func description(code: PickupCode, text: String) throws {
        #expect(code.description == text)
        #expect("\(code)" == text)
        // It parses back to itself.
        #expect(try PickupCode(parsing: text) == code)
    }

    @Test("codes order by shelf, layer, then sequence")
    func ordering() {
        let codes = [
            PickupCode(shelf: 2, layer: 1, sequence: 1),
            PickupCode(shelf: 1, layer: 2, sequence: 1),
            PickupCode(shelf: 1, layer: 1, sequence: 9999),
            PickupCode(shelf: 1, layer: 1, sequence: 2),
        ]
        #expect(codes.sorted().map(\.description) == ["1-1-0002", "1-1-9999", "1-2-0001", "2-1-0001"])
        #expect(PickupCode(shelf: 1, layer: 1, sequence: 2) < PickupCode(shelf: 1, layer: 1, sequence: 10))
    }

    @Test("sequence constants")
    func constants() {
        #expect(PickupCode.sequenceDigits == 4)
        #expect(PickupCode.sequenceRange == 1...9999)
    }

    @Test(
        "digit distance counts differing digits of the four-digit form",
        arguments: [
            (147, 148, 1),
            (147, 1147, 1),
            (1234, 4321, 4),
            (0, 0, 0),
            (5, 5, 0),
            (1, 10, 2),
            (9999, 1, 4),
            (1000, 1, 2),
            (147, 741, 2),
            (1111, 1112, 1),
            (2000, 3000, 1),
            (1234, 1243, 2),
        ])
    func digitDistance(a: Int, b: Int, distance: Int) {
        #expect(PickupCode.digitDistance(a, b) == distance)
        #expect(PickupCode.digitDistance(b, a) == distance)
    }
}

// MARK: - allocator

typealias Occupancy = PickupCodeAllocator.LayerOccupancy

func occupancy(
    capacity: Int, active: Set<Int> = [], cooling: Set<Int> = [], last: Int? = nil, shelf: Int = 1, layer: Int = 1
) -> Occupancy {
    Occupancy(shelf: shelf, layer: layer, capacity: capacity, activeSequences: active, coolingSequences: cooling, lastSequence: last)
}

@Suite("PickupCodeAllocator")
struct PickupCodeAllocatorTests {
    let allocator = PickupCodeAllocator()

    @Test("defaults to a minimum distance of 2")
    func defaults() {
        #expect(PickupCodeAllocator().minimumDistance == 2)
        #expect(PickupCodeAllocator(minimumDistance: 3).minimumDistance == 3)
    }

    // MARK: layer choice

    @Test("no layers: noShelvesConfigured, and nothing is loaded")
    func noLayers() {
        var loads = 0
        #expect(throws: DomainError.noShelvesConfigured) {
            try allocator.allocate(layers: []) { shelf, layer, capacity in
                loads += 1
                return occupancy(capacity: capacity, shelf: shelf, layer: layer)
            }
        }
        #expect(loads == 0)
    }

    @Test("the emptiest layer by share of capacity is chosen, and only it is loaded")
    func emptiestByRatio() throws {
        var loaded: [String] = []
        let code = try allocator.allocate(layers: [
            (shelf: 1, layer: 1, capacity: 10, active: 5),  // 50 %
            (shelf: 1, layer: 2, capacity: 100, active: 10),  // 10 %: fewer free slots in count, emptiest by share
            (shelf: 2, layer: 1, capacity: 20, active: 4),  // 20 %
        ]) { shelf, layer, capacity in
            loaded.append("\(shelf)-\(layer)/\(capacity)")
            return occupancy(capacity: capacity, shelf: shelf, layer: layer)
        }
        #expect(loaded == ["1-2/100"])
        #expect(code == PickupCode(shelf: 1, layer: 2, sequence: 1))
    }

    @Test("by share, not by count: 4 of 10 is fuller than 10 of 100")
    func ratioNotCount() throws {
        let code = try allocator.allocate(layers: [
            (shelf: 1, layer: 1, capacity: 10, active: 4),
            (shelf: 1, layer: 2, capacity: 100, active: 10),
        ]) { shelf, layer, capacity in occupancy(capacity: capacity, shelf: shelf, layer: layer) }
        #expect(code.shelf == 1 && code.layer == 2)
    }

    @Test("ties go to the earlier layer in configuration order")
    func tiesToEarlier() throws {
        let first = try allocator.allocate(layers: [
            (shelf: 1, layer: 1, capacity: 10, active: 0),
            (shelf: 1, layer: 2, capacity: 10, active: 0),
        ]) { shelf, layer, capacity in occupancy(capacity: capacity, shelf: shelf, layer: layer) }
        #expect(first == PickupCode(shelf: 1, layer: 1, sequence: 1))

        // Equal share (3/10 = 6/20): configuration order, even when the numbers run the other way.
        let second = try allocator.allocate(layers: [
            (shelf: 5, layer: 2, capacity: 10, active: 3),
            (shelf: 2, layer: 1, capacity: 20, active: 6),
            (shelf: 1, layer: 1, capacity: 10, active: 3),
        ]) { shelf, layer, capacity in occupancy(capacity: capacity, shelf: shelf, layer: layer) }
        #expect(second.shelf == 5 && second.layer == 2)
    }

    @Test("the chosen layer's detail decides the sequence")
    func sequenceFromDetail() throws {
        let code = try allocator.allocate(layers: [(shelf: 3, layer: 2, capacity: 40, active: 2)]) { shelf, layer, capacity in
            occupancy(capacity: capacity, active: [146, 10], cooling: [148], last: 146, shelf: shelf, layer: layer)
        }
        // 147 is one digit from 146, 148 cools, 149 is one digit from 146; 150 (0150) differs from 0146 and
        // from 0010 in two digits each.
        #expect(code == PickupCode(shelf: 3, layer: 2, sequence: 150))
        #expect(code.description == "3-2-0150")
    }

    @Test("a layer with no free sequence passes to the next emptiest one")
    func fallsThroughLayers() throws {
        var loaded: [Int] = []
        let code = try allocator.allocate(layers: [
            (shelf: 1, layer: 1, capacity: 100_000, active: 0),
            (shelf: 1, layer: 2, capacity: 10, active: 5),
        ]) { shelf, layer, capacity in
            loaded.append(layer)
            if layer == 1 {
                return occupancy(capacity: capacity, cooling: Set(1...9999), shelf: shelf, layer: layer)
            }
            return occupancy(capacity: capacity, active: [1, 2, 3, 4, 5], last: 5, shelf: shelf, layer: layer)
        }
        #expect(loaded == [1, 2])
        #expect(code.layer == 2)
        // 6…9 are one digit from 1…5; 10 (0010) differs from each of 0001…0005 in two digits.
        #expect(code.sequence == 10)
    }

    @Test("every layer exhausted: noFreePickupCode")
    func allLayersExhausted() {
        var loads = 0
        #expect(throws: DomainError.noFreePickupCode) {
            try allocator.allocate(layers: [
                (shelf: 1, layer: 1, capacity: 20_000, active: 5000),
                (shelf: 1, layer: 2, capacity: 20_000, active: 9999),
            ]) { shelf, layer, capacity in
                loads += 1
                if layer == 1 {
                    return occupancy(capacity: capacity, active: Set(1...5000), cooling: Set(5001...9999), shelf: shelf, layer: layer)
                }
                return occupancy(capacity: capacity, active: Set(1...9999), shelf: shelf, layer: layer)
            }
        }
        #expect(loads == 2)
    }

    @Test("an occupancy error propagates")
    func occupancyErrorPropagates() {
        struct StoreDown: Error, Equatable {}
        #expect(throws: StoreDown()) {
            try allocator.allocate(layers: [(shelf: 1, layer: 1, capacity: 10, active: 0)]) { _, _, _ in throw StoreDown() }
        }
    }

    // MARK: sequence choice

    @Test(
        "walks forward from the last sequence and wraps after 9999",
        arguments: [
            (nil as Int?, 1),
            (0, 1),
            (1, 2),
            (146, 147),
            (9998, 9999),
            (9999, 1),
        ])
    func walksForward(last: Int?, expected: Int) {
        #expect(allocator.sequence(on: occupancy(capacity: 50, last: last)) == expected)
    }

    @Test("never an active or a cooling sequence")
    func neverActiveOrCooling() {
        #expect(allocator.sequence(on: occupancy(capacity: 50, cooling: [1, 2, 3])) == 4)
        #expect(allocator.sequence(on: occupancy(capacity: 50, cooling: [148, 149], last: 147)) == 150)
        #expect(allocator.sequence(on: occupancy(capacity: 50, cooling: Set(9990...9999), last: 9989)) == 1)
        // Active 1 excludes 2…9 (one digit away) and 11, 21, …: 10 (0010 vs 0001) differs in two digits.
        #expect(allocator.sequence(on: occupancy(capacity: 50, active: [1])) == 10)
        // Active 148, last 147: 148 active, 149 one digit from it, 150 two digits from it.
        #expect(allocator.sequence(on: occupancy(capacity: 50, active: [148], last: 147)) == 150)
        // Wrapping past active and cooling ones.
        #expect(allocator.sequence(on: occupancy(capacity: 10, active: [9999, 1], last: 9998)) == 10)
        #expect(allocator.sequence(on: occupancy(capacity: 10, active: [9999], cooling: [1], last: 9998)) == 2)
    }

    @Test("with room, a new sequence is at least two digits from every active one (random layers)")
    func distanceWithRoom() {
        var rng = SplitMix64(seed: 20_240_601)
        for round in 0..<200 {
            let count = Int(rng.next() % 300)
            var active = Set<Int>()
            while active.count < count { active.insert(Int(rng.next() % 9999) + 1) }
            var cooling = Set<Int>()
            for _ in 0..<Int(rng.next() % 200) {
                let s = Int(rng.next() % 9999) + 1
                if !active.contains(s) { cooling.insert(s) }
            }
            let last: Int? = rng.next() % 5 == 0 ? nil : Int(rng.next() % 9999) + 1
            let layer = occupancy(capacity: count + 1 + Int(rng.next() % 50), active: active, cooling: cooling, last: last)
            guard let sequence = allocator.sequence(on: layer) else {
                Issue.record("round \(round): no sequence")
                continue
            }
            #expect(PickupCode.sequenceRange.contains(sequence))
            #expect(!active.contains(sequence), "round \(round)")
            #expect(!cooling.contains(sequence), "round \(round)")
            let close = active.filter { PickupCode.digitDistance($0, sequence) < 2 }
            #expect(close.isEmpty, "round \(round): \(sequence) is one digit from \(close)")
            // And it is the first such sequence walking forward from last.
            let start = (last ?? 0) % 9999 + 1
            var expected: Int? = nil
            for step in 0..<9999 {
                let candidate = (start - 1 + step) % 9999 + 1
                if active.contains(candidate) || cooling.contains(candidate) { continue }
                if active.allSatisfy({ PickupCode.digitDistance($0, candidate) >= 2 }) {
                    expected = candidate
                    break
                }
            }
            #expect(sequence == expected, "round \(round)")
        }
    }

    @Test("a larger minimum distance is honoured")
    func largerMinimumDistance() {
        let strict = PickupCodeAllocator(minimumDistance: 3)
        // From 1, two-digit changes like 10 are now too close; 0110 differs from 0001 in three digits.
        #expect(strict.sequence(on: occupancy(capacity: 50, active: [1])) == 110)
    }

    @Test("full layer: the distance rule is relaxed, uniqueness is not")
    func noRoomRelaxes() {
        // At capacity: 2 is one digit from 1 and is still given.
        #expect(allocator.sequence(on: occupancy(capacity: 1, active: [1], last: 1)) == 2)
        // One below capacity: the distance rule applies.
        #expect(allocator.sequence(on: occupancy(capacity: 2, active: [1], last: 1)) == 10)
        // Over capacity.
        let over = occupancy(capacity: 2, active: [1, 3, 5], cooling: [6], last: 5)
        let sequence = allocator.sequence(on: over)
        #expect(sequence == 7)
        #expect(PickupCode.digitDistance(5, 7) == 1)
        // Capacity zero: every layer is "full".
        #expect(allocator.sequence(on: occupancy(capacity: 0, active: [], last: 41)) == 42)
    }

    @Test("full layer still never repeats an active or cooling sequence")
    func noRoomUnique() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<100 {
            var active = Set<Int>()
            for _ in 0..<60 { active.insert(Int(rng.next() % 100) + 1) }
            let cooling = Set((1...100).filter { !active.contains($0) && rng.next() % 2 == 0 })
            let layer = occupancy(capacity: 10, active: active, cooling: cooling, last: Int(rng.next() % 100) + 1)
            guard let sequence = allocator.sequence(on: layer) else {
                Issue.record("no sequence")
                continue
            }
            #expect(!active.contains(sequence))
            #expect(!cooling.contains(sequence))
        }
    }

    @Test("every sequence active or cooling: nil, and allocate throws noFreePickupCode")
    func exhausted() {
        let layers = [
            occupancy(capacity: 20_000, active: Set(1...5000), cooling: Set(5001...9999)),
            occupancy(capacity: 10, active: Set(1...9999), last: 4242),
            occupancy(capacity: 20_000, cooling: Set(1...9999), last: 9999),
        ]
        for layer in layers {
            #expect(allocator.sequence(on: layer) == nil)
            #expect(throws: DomainError.noFreePickupCode) {
                try allocator.allocate(layers: [(shelf: 1, layer: 1, capacity: layer.capacity, active: layer.activeSequences.count)]) {
                    _, _, _ in
                    layer
                }
            }
        }
    }

    @Test("only one sequence left: it is found wherever the walk starts")
    func lastFreeSequence() {
        let cooling = Set(1...9999).subtracting([4321])
        for last in [nil, 1, 4320, 4321, 4322, 9999] as [Int?] {
            #expect(allocator.sequence(on: occupancy(capacity: 100, cooling: cooling, last: last)) == 4321)
        }
    }

    @Test("no distance-2 sequence left with room on the layer: a unique one rather than none")
    func fallbackWhenCrowded() {
        // 8,999 active sequences: every one not ending in 5. Each free xxx5 is one digit from xxx4.
        let active = Set((1...9999).filter { $0 % 10 != 5 })
        #expect(active.count == 8999)
        let fromStart = allocator.sequence(on: occupancy(capacity: 10_000, active: active))
        #expect(fromStart == 5)
        let fromMiddle = allocator.sequence(on: occupancy(capacity: 10_000, active: active, last: 5000))
        #expect(fromMiddle == 5005)
        let wrapping = allocator.sequence(on: occupancy(capacity: 10_000, active: active, cooling: [9995], last: 9990))
        #expect(wrapping == 5)
        for sequence in [fromStart, fromMiddle, wrapping].compactMap({ $0 }) {
            #expect(!active.contains(sequence))
            #expect(active.contains { PickupCode.digitDistance($0, sequence) == 1 })
        }
    }

    @Test("fallback with a moderate crowd (just over 1,000 actives)")
    func fallbackModerateCrowd() {
        // Actives: every multiple of 10 (999), plus 1…9. A free sequence xyzd (d ≠ 0) is one digit from xyz0,
        // and for xyz = 000 from d itself, so no free sequence is two digits from every active one.
        let active = Set((1...999).map { $0 * 10 }).union(1...9)
        #expect(active.count == 1008)
        let sequence = allocator.sequence(on: occupancy(capacity: 2000, active: active, last: 100))
        #expect(sequence == 101)
        let wrapped = allocator.sequence(on: occupancy(capacity: 2000, active: active, cooling: Set(9991...9999), last: 9990))
        #expect(wrapped == 11)
    }

    // MARK: churn

    struct ChurnResult {
        var allocations = 0
        var releases = 0
        var wraps = 0
        var overCapacityAllocations = 0
        var violations: [String] = []
    }

    /// Simulates one layer: random allocations and releases, released sequences cooling for `coolSteps`.
    func churn(seed: UInt64, capacity: Int, steps: Int, coolSteps: Int, maxActive: Int, allocateShare: UInt64) -> ChurnResult {
        var rng = SplitMix64(seed: seed)
        var result = ChurnResult()
        var active = Set<Int>()
        var released: [Int: Int] = [:]  // sequence → step it was released
        var last: Int? = nil
        for step in 0..<steps {
            released = released.filter { step - $0.value < coolSteps }
            let allocate = active.isEmpty || (active.count < maxActive && rng.next() % 100 < allocateShare)
            if allocate {
                let cooling = Set(released.keys)
                let layer = occupancy(capacity: capacity, active: active, cooling: cooling, last: last)
                guard let sequence = allocator.sequence(on: layer) else {
                    result.violations.append("step \(step): no sequence with \(active.count) active, \(cooling.count) cooling")
                    continue
                }
                if !PickupCode.sequenceRange.contains(sequence) { result.violations.append("step \(step): \(sequence) out of range") }
                if active.contains(sequence) { result.violations.append("step \(step): \(sequence) is active") }
                if cooling.contains(sequence) { result.violations.append("step \(step): \(sequence) is cooling") }
                if active.count < capacity {
                    let close = active.filter { PickupCode.digitDistance($0, sequence) < 2 }
                    if !close.isEmpty { result.violations.append("step \(step): \(sequence) one digit from \(close.sorted())") }
                } else {
                    result.overCapacityAllocations += 1
                }
                if let last, sequence < last { result.wraps += 1 }
                active.insert(sequence)
                last = sequence
                result.allocations += 1
            } else {
                let victim = active.sorted()[Int(rng.next() % UInt64(active.count))]
                active.remove(victim)
                released[victim] = step
                result.releases += 1
            }
        }
        return result
    }

    @Test("churn: unique, no cooling reuse, distance ≥ 2 while the layer has room", arguments: [1 as UInt64, 42, 0xDEAD_BEEF])
    func churnWithinCapacity(seed: UInt64) {
        let result = churn(seed: seed, capacity: 50, steps: 20_000, coolSteps: 200, maxActive: 50, allocateShare: 55)
        #expect(result.violations.isEmpty, "\(result.violations.prefix(10))")
        #expect(result.allocations > 5000)
        #expect(result.releases > 5000)
        #expect(result.wraps >= 1, "the walk should pass 9999 and start again at the bottom")
        #expect(result.overCapacityAllocations == 0)
    }

    @Test("churn past capacity: uniqueness and cooling still hold")
    func churnOverCapacity() {
        let result = churn(seed: 99, capacity: 20, steps: 5000, coolSteps: 100, maxActive: 40, allocateShare: 60)
        #expect(result.violations.isEmpty, "\(result.violations.prefix(10))")
        #expect(result.overCapacityAllocations > 0)
    }
}

@Suite("Pickup-code allocation: the quick walk agrees with the full scan")
struct PickupCodeQuickWalkTests {
    /// `sequence(on:)` first tries the few sequences after the cursor one by one; the full scan builds the
    /// whole layer's flags. On every layer, sparse, dense, crowded near the cursor or over capacity, both must
    /// give the same sequence.
    @Test("random layers, sparse to crowded")
    func quickWalkMatchesFullScan() {
        var rng = SplitMix64(seed: 20_261_123)
        for minimumDistance in [1, 2, 3] {
            let allocator = PickupCodeAllocator(minimumDistance: minimumDistance)
            for round in 0..<400 {
                let last = Int(rng.next() % 9999) + 1
                var active = Set<Int>()
                let count = Int(rng.next() % 320)
                // Half the layers crowd the sequences right after the cursor, where the quick walk looks.
                let crowded = rng.next() % 2 == 0
                while active.count < count {
                    let offset = Int(rng.next() % UInt64(crowded ? count + count / 4 + 8 : 9999))
                    active.insert((last + offset) % 9999 + 1)
                }
                var cooling = Set<Int>()
                for _ in 0..<Int(rng.next() % 100) {
                    let sequence = (last + Int(rng.next() % 80)) % 9999 + 1
                    if !active.contains(sequence) { cooling.insert(sequence) }
                }
                let capacity = rng.next() % 4 == 0 ? max(1, count - 1) : count + 1 + Int(rng.next() % 40)
                let layer = PickupCodeAllocator.LayerOccupancy(
                    shelf: 1, layer: 1, capacity: capacity, activeSequences: active, coolingSequences: cooling, lastSequence: last)
                let start = last % 9999 + 1
                let full = allocator.sequenceScanningAll(
                    on: layer, start: start, checksDistance: active.count < capacity && minimumDistance > 1)
                #expect(allocator.sequence(on: layer) == full, "distance \(minimumDistance), round \(round)")
            }
        }
    }

    @Test("the emptiest layer is tried first, and a full one passes the parcel to the next emptiest")
    func layerOrder() throws {
        let allocator = PickupCodeAllocator()
        var asked: [Int] = []
        let code = try allocator.allocate(layers: [(1, 1, 2, 1), (1, 2, 2, 0), (1, 3, 2, 0)]) { shelf, layer, capacity in
            asked.append(layer)
            // Layer 2 has every sequence cooling: nothing to give.
            let cooling = layer == 2 ? Set(PickupCode.sequenceRange) : []
            return .init(shelf: shelf, layer: layer, capacity: capacity, activeSequences: [], coolingSequences: cooling, lastSequence: nil)
        }
        #expect(asked == [2, 3])
        #expect(code == PickupCode(shelf: 1, layer: 3, sequence: 1))
    }
}
