/// A pickup code `shelf-layer-seq`, e.g. `3-2-0147` (货架-层-序号): staff read it to find the parcel,
/// recipients read it from their notice.
public struct PickupCode: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let shelf: Int
    public let layer: Int
    /// 1…9999, printed with four digits.
    public let sequence: Int

    public static let sequenceDigits = 4
    public static let sequenceRange = 1...9999

    public init(shelf: Int, layer: Int, sequence: Int) {
        self.shelf = shelf
        self.layer = layer
        self.sequence = sequence
    }

    /// Parses `3-2-0147`; also accepts the sequence without leading zeros (`3-2-147`) as people say it.
    public init(parsing text: String) throws {
        let parts = text.trimmingSpaces().split(separator: "-", omittingEmptySubsequences: false)
        // Digits only: `Int("+3")` would accept a sign.
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let shelf = Int(parts[0]), let layer = Int(parts[1]), let sequence = Int(parts[2]),
            shelf > 0, layer > 0, Self.sequenceRange.contains(sequence), parts[2].count <= Self.sequenceDigits
        else { throw DomainError.malformedPickupCode(text) }
        self.init(shelf: shelf, layer: layer, sequence: sequence)
    }

    public var description: String {
        let digits = String(sequence)
        return "\(shelf)-\(layer)-" + String(repeating: "0", count: max(0, Self.sequenceDigits - digits.count)) + digits
    }

    public static func < (lhs: PickupCode, rhs: PickupCode) -> Bool {
        (lhs.shelf, lhs.layer, lhs.sequence) < (rhs.shelf, rhs.layer, rhs.sequence)
    }

    /// How many of the four sequence digits differ: a code one digit away from an active one is one misheard
    /// digit from naming the wrong parcel.
    public static func digitDistance(_ a: Int, _ b: Int) -> Int {
        var a = a, b = b, distance = 0
        for _ in 0..<sequenceDigits {
            if a % 10 != b % 10 { distance += 1 }
            a /= 10
            b /= 10
        }
        return distance
    }
}

extension String {
    func trimmingSpaces() -> Substring {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map(index(after:)) ?? start
        return self[start..<max(start, end)]
    }
}

/// The station's shelves, from its configuration.
public struct ShelfLayout: Sendable, Equatable, Codable {
    public struct Shelf: Sendable, Equatable, Codable {
        /// The number painted on the shelf.
        public let id: Int
        /// Layers (层) counted from 1.
        public let layers: Int
        /// How many parcels fit on one layer; the allocator fills the emptiest layer first.
        public let layerCapacity: Int

        public init(id: Int, layers: Int, layerCapacity: Int) {
            self.id = id
            self.layers = layers
            self.layerCapacity = layerCapacity
        }
    }

    public let shelves: [Shelf]

    public init(shelves: [Shelf]) { self.shelves = shelves }

    /// Every (shelf, layer) pair in shelf order.
    public var layers: [(shelf: Int, layer: Int, capacity: Int)] {
        shelves.flatMap { shelf in (1...max(1, shelf.layers)).map { (shelf.id, $0, shelf.layerCapacity) } }
    }
}

/// Chooses a layer and a sequence number for a newly shelved parcel.
///
/// Rules, in order: a code is never one that is active; never one released less than the cool-down ago; and,
/// while the layer has room, its sequence differs from every active sequence on that layer in at least two
/// digits. Within those rules the allocator walks forward from the layer's last allocated sequence, so codes
/// rise the way staff expect and a just-freed slot is not handed out again at once.
public struct PickupCodeAllocator: Sendable {
    /// What the store knows about one layer at allocation time.
    public struct LayerOccupancy: Sendable {
        public let shelf: Int
        public let layer: Int
        public let capacity: Int
        /// Sequences of active parcels on this layer.
        public let activeSequences: Set<Int>
        /// Sequences released (picked up, returned) within the cool-down.
        public let coolingSequences: Set<Int>
        /// The last sequence allocated on this layer, if any.
        public let lastSequence: Int?

        public init(shelf: Int, layer: Int, capacity: Int, activeSequences: Set<Int>, coolingSequences: Set<Int>, lastSequence: Int?) {
            self.shelf = shelf
            self.layer = layer
            self.capacity = capacity
            self.activeSequences = activeSequences
            self.coolingSequences = coolingSequences
            self.lastSequence = lastSequence
        }
    }

    /// Minimum digit distance from every active code on the layer while the layer has room.
    public let minimumDistance: Int

    public init(minimumDistance: Int = 2) { self.minimumDistance = minimumDistance }

    /// Picks the emptiest layer (by share of capacity used; ties go to the earlier shelf and layer in the
    /// configuration), then a sequence on it. `layers` gives each layer's active count; `occupancy` loads the
    /// detail of the one layer chosen, so allocation reads one layer, not the whole station.
    public func allocate(
        layers: [LayerLoad],
        occupancy: (_ shelf: Int, _ layer: Int, _ capacity: Int) throws -> LayerOccupancy
    ) throws -> PickupCode {
        guard !layers.isEmpty else { throw DomainError.noShelvesConfigured }
        let emptierFirst = { (a: (offset: Int, element: LayerLoad), b: (offset: Int, element: LayerLoad)) -> Bool in
            let fillA = Double(a.element.active) / Double(max(1, a.element.capacity))
            let fillB = Double(b.element.active) / Double(max(1, b.element.capacity))
            return fillA != fillB ? fillA < fillB : a.offset < b.offset
        }
        func code(_ layer: LayerLoad) throws -> PickupCode? {
            try sequence(on: occupancy(layer.shelf, layer.layer, layer.capacity)).map {
                PickupCode(shelf: layer.shelf, layer: layer.layer, sequence: $0)
            }
        }
        // The emptiest layer nearly always has a free sequence: try it before sorting them all.
        let emptiest = layers.enumerated().min(by: emptierFirst)!
        if let found = try code(emptiest.element) { return found }
        for (offset, layer) in layers.enumerated().sorted(by: emptierFirst) where offset != emptiest.offset {
            if let found = try code(layer) { return found }
        }
        throw DomainError.noFreePickupCode
    }

    /// A configured layer and how many parcels are on it now.
    public typealias LayerLoad = (shelf: Int, layer: Int, capacity: Int, active: Int)

    /// A sequence on `layer`, or nil when every sequence is active or cooling down.
    public func sequence(on layer: LayerOccupancy) -> Int? {
        let range = PickupCode.sequenceRange
        let start = ((layer.lastSequence ?? 0) % range.upperBound) + 1
        let hasRoom = layer.activeSequences.count < layer.capacity
        let checksDistance = hasRoom && minimumDistance > 1
        // Usual case, a layer of tens of parcels: the first few sequences after the cursor, each compared with
        // the active ones, settle it without building the whole layer's tables.
        if layer.activeSequences.count <= 256 {
            for step in 0..<min(64, range.count) {
                let candidate = (start - 1 + step) % range.count + 1
                if layer.activeSequences.contains(candidate) || layer.coolingSequences.contains(candidate) { continue }
                if !checksDistance
                    || !layer.activeSequences.contains(where: { PickupCode.digitDistance($0, candidate) < minimumDistance })
                {
                    return candidate
                }
            }
        }
        return sequenceScanningAll(on: layer, start: start, checksDistance: checksDistance)
    }

    /// `sequence(on:)` over the whole range: the walk in the same order, with the taken and too-close flags
    /// of every sequence built first.
    func sequenceScanningAll(on layer: LayerOccupancy, start: Int, checksDistance: Bool) -> Int? {
        let range = PickupCode.sequenceRange
        // Flags indexed by sequence: taken (active or cooling) and too close to an active one. Marking each
        // active code's neighbourhood once keeps allocation linear even when the layer is dense and most
        // candidates are too close (a pairwise check would cost active × candidates).
        var taken = [Bool](repeating: false, count: range.upperBound + 1)
        for sequence in layer.activeSequences where range.contains(sequence) { taken[sequence] = true }
        for sequence in layer.coolingSequences where range.contains(sequence) { taken[sequence] = true }
        var tooClose = [Bool](repeating: false, count: range.upperBound + 1)
        if checksDistance {
            for sequence in layer.activeSequences { Self.markNeighbours(of: sequence, within: minimumDistance - 1, in: &tooClose) }
        }
        var fallback: Int? = nil
        for step in 0..<range.count {
            let candidate = (start - 1 + step) % range.count + 1
            if taken[candidate] { continue }
            if !tooClose[candidate] { return candidate }
            if fallback == nil { fallback = candidate }
        }
        // Every distance-2 sequence is taken (over 1,000 active codes on one layer): unique still beats none.
        return fallback
    }

    /// Marks every sequence that differs from `sequence` in at most `changes` of its four digits.
    static func markNeighbours(of sequence: Int, within changes: Int, in flags: inout [Bool], fromDigit: Int = 0) {
        flags[sequence] = true
        guard changes > 0 else { return }
        var place = 1
        for _ in 0..<fromDigit { place *= 10 }
        for digit in fromDigit..<PickupCode.sequenceDigits {
            let current = (sequence / place) % 10
            for replacement in 0...9 where replacement != current {
                let neighbour = sequence + (replacement - current) * place
                markNeighbours(of: neighbour, within: changes - 1, in: &flags, fromDigit: digit + 1)
            }
            place *= 10
        }
    }
}
