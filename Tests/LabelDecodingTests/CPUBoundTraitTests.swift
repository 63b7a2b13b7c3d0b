import Foundation
import StationTestSupport
import Testing

/// The trait the photo suites use (StationTestSupport/CPUBound.swift): their synchronous decodes must not run on
/// the cooperative pool, and their expectations must still count.
@Suite("The CPU-bound test trait")
struct CPUBoundTraitTests {
    /// The running thread's name (a synchronous function: `Thread.current` is not read in async code directly).
    static func threadName() -> String? { Thread.current.name }

    @Test("a synchronous test body runs on the trait's own threads", .cpuBound)
    func synchronousBodyOnOwnThreads() {
        #expect(Thread.current.name?.hasPrefix("cpu-bound-") == true, "ran on \(Thread.current.name ?? "an unnamed thread")")
    }

    @Test("an asynchronous body stays there across a suspension, and child tasks go there too", .cpuBound)
    func asynchronousBodyAndChildren() async throws {
        try await Task.sleep(for: .milliseconds(10))
        #expect(Self.threadName()?.hasPrefix("cpu-bound-") == true)
        let child = await withTaskGroup(of: String?.self) { group in
            group.addTask { Self.threadName() }
            return await group.next() ?? nil
        }
        #expect(child?.hasPrefix("cpu-bound-") == true)
    }

    @Test("without the trait a test runs on the cooperative pool, not on those threads")
    func withoutTrait() {
        #expect(Thread.current.name?.hasPrefix("cpu-bound-") != true)
    }
}
