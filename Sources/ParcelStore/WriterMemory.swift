import Foundation
import ParcelDomain

/// What the ledger's writer remembers between writes, so an intake does not re-read it each time: each layer's
/// active and cooling codes and active count (allocating a pickup code read every parcel on the layer, the
/// largest single cost of an intake, and the layer counts a tenth of its CPU), and the custody chain's last link.
///
/// Its rules are kept by structure:
/// - Only the writer thread has one. `WriteBatcher`'s thread makes it as a local and hands it to each job's
///   `LedgerTransaction`; it is not `Sendable`, so the compiler refuses to let it reach another thread.
/// - The `LedgerTransaction` writes that take or free a slot (`insertParcel`, `record`) and append an event
///   (`appendEvent`) update it, as the `layer_load` triggers and the chain column update the tables.
/// - It is dropped whole (`forget`) where a job or a batch rolls back, the two places in `WriteBatcher` that
///   roll back (`inJobSavepoint`, `commit`): it may hold changes that were never committed. What it no longer
///   holds is read from the database when next needed.
/// The schema's unique index on active slots and its required chain digest still refuse a duplicate code or a
/// broken link should this ever go wrong.
final class WriterMemory {
    var layers = LayerMemory()
    /// The custody chain's last event (id and digest); nil until read.
    var chainHead: (id: Int64, digest: Data)?
    /// The last number of the station-wide event sequence handed out (parcel and station events share it); nil
    /// until read.
    var lastSequence: Int64?

    func forget() {
        layers.forgetAll()
        chainHead = nil
        lastSequence = nil
    }
}

@available(*, unavailable, message: "the writer's memory stays on the writer thread")
extension WriterMemory: Sendable {}

/// Which sequences are active or cooling down on each layer, and how many parcels each layer holds.
struct LayerMemory {
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
    /// Active parcels per layer, as `layer_load.active` holds them; nil until first read.
    var counts: [LayerKey: Int]?

    /// The layer as of `releasedSince` (older releases no longer cooling), read by `load` if not yet held.
    mutating func entry(_ key: LayerKey, releasedSince: Int64, load: () throws -> Entry) rethrows -> Entry {
        // Moved out and back, so `expire` changes the only copy of its sets.
        var entry = try entries.removeValue(forKey: key) ?? load()
        entry.expire(before: releasedSince)
        entries[key] = entry
        return entry
    }

    /// Drops one layer: it is read from the database when next needed.
    mutating func forget(_ key: LayerKey) { entries[key] = nil }

    mutating func forgetAll() {
        entries.removeAll(keepingCapacity: true)
        counts = nil
    }

    /// A parcel took `slot` (intake with shelving, or shelving later); `allocated` when the slot was just
    /// handed out, which moves the layer's allocation cursor as `layer_load.last_seq` does.
    mutating func taken(_ slot: PickupCode, allocated: Bool) {
        let key = LayerKey(shelf: slot.shelf, layer: slot.layer)
        counts?[key, default: 0] += 1
        entries[key]?.active.insert(slot.sequence)
        if allocated { entries[key]?.lastSequence = slot.sequence }
    }

    /// A parcel left `slot`: released (picked up, returned) at `at`, or moved elsewhere (`at` nil).
    mutating func freed(_ slot: PickupCode, releasedAt at: Int64?) {
        let key = LayerKey(shelf: slot.shelf, layer: slot.layer)
        if let count = counts?[key] { counts?[key] = count > 1 ? count - 1 : nil }
        entries[key]?.active.remove(slot.sequence)
        if let at {
            entries[key]?.cooling.insert(slot.sequence)
            // Kept in time order; a clock step backwards only makes a code cool a little longer.
            let last = entries[key]?.releases.last?.at ?? at
            entries[key]?.releases.append((slot.sequence, max(at, last)))
        }
    }
}
