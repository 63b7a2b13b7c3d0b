import ParcelDomain

/// The writer's memory of which sequences are active or cooling down on each layer, so allocating a pickup
/// code does not re-read every parcel on the layer at each intake (that read grew with the layer's load and
/// was the largest single cost of an intake).
///
/// Correctness rests on three rules:
/// - it is touched only by the batcher's one drainer at a time, whose turns its lock orders (hence
///   `@unchecked Sendable`);
/// - the `LedgerTransaction` writes that take or free a slot (`insertParcel`, `record`) update it, as the
///   `layer_load` triggers update the table;
/// - any rolled-back savepoint or transaction drops it whole (`invalidateAll`), since it may hold changes
///   that were never committed. A layer not in the cache is loaded from the database when next needed.
/// The schema's unique index on active slots still refuses a duplicate code should this ever go wrong.
final class LayerOccupancyCache: @unchecked Sendable {
    struct Entry {
        var active: Set<Int>
        var cooling: Set<Int>
        /// Releases in the order they happened, so expired ones leave `cooling` from the front.
        var releases: [(seq: Int, at: Int64)]
        var releasesStart = 0
        var lastSequence: Int?

        /// Drops releases older than `since` from `cooling`.
        mutating func expire(before since: Int64) {
            while releasesStart < releases.count, releases[releasesStart].at < since {
                cooling.remove(releases[releasesStart].seq)
                releasesStart += 1
            }
            // Compact now and then so the array does not grow with every release ever made.
            if releasesStart > 1024 && releasesStart * 2 > releases.count {
                releases.removeFirst(releasesStart)
                releasesStart = 0
            }
        }
    }

    private var entries: [LayerKey: Entry] = [:]
    /// Active parcels per layer, as `layer_load.active` holds them; nil until first read. Allocation reads
    /// every layer's count at each intake, and reading the table each time cost a tenth of an intake's CPU.
    private(set) var counts: [LayerKey: Int]?

    func entry(_ key: LayerKey) -> Entry? { entries[key] }

    func store(_ entry: Entry, for key: LayerKey) { entries[key] = entry }

    func storeCounts(_ counts: [LayerKey: Int]) { self.counts = counts }

    func invalidateAll() {
        entries.removeAll(keepingCapacity: true)
        counts = nil
    }

    /// Drops one layer: it is read from the database when next needed.
    func forget(_ key: LayerKey) { entries[key] = nil }

    /// A parcel took `slot` (intake with shelving, or shelving later); `allocated` when the slot was just
    /// handed out, which moves the layer's allocation cursor as `layer_load.last_seq` does.
    func taken(_ slot: PickupCode, allocated: Bool) {
        let key = LayerKey(shelf: slot.shelf, layer: slot.layer)
        counts?[key, default: 0] += 1
        guard entries[key] != nil else { return }
        entries[key]!.active.insert(slot.sequence)
        if allocated { entries[key]!.lastSequence = slot.sequence }
    }

    /// A parcel left `slot`: released (picked up, returned) at `at`, or moved elsewhere (`at` nil).
    func freed(_ slot: PickupCode, releasedAt at: Int64?) {
        let key = LayerKey(shelf: slot.shelf, layer: slot.layer)
        if let count = counts?[key] { counts?[key] = count > 1 ? count - 1 : nil }
        guard entries[key] != nil else { return }
        entries[key]!.active.remove(slot.sequence)
        if let at {
            entries[key]!.cooling.insert(slot.sequence)
            // Kept in time order; a clock step backwards only makes a code cool a little longer.
            entries[key]!.releases.append((slot.sequence, max(at, entries[key]!.releases.last?.at ?? at)))
        }
    }
}
