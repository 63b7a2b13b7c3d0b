/// The protocol's framing rule, apart from any I/O library so it can be fuzzed alone: lines end at `\n` (a `\r`
/// before it is dropped), and a line longer than `maximumLength` is discarded as its bytes arrive, then reported
/// once with its length, so a huge line costs nothing and the connection stays usable.
public struct LineFraming: Sendable {
    /// What one step found.
    public enum Step: Equatable, Sendable {
        /// Not a whole line yet: `consumed` bytes may be dropped (they belong to a line being discarded).
        case needMore(consumed: Int)
        /// A line: bytes `range` of the input (without `\r\n`); `consumed` bytes are used up.
        case line(range: Range<Int>, consumed: Int)
        /// A line of `length` bytes over the limit ended; `consumed` bytes are used up.
        case tooLong(length: Int, consumed: Int)
    }

    public let maximumLength: Int
    private var discarding = false
    private var discarded = 0

    public init(maximumLength: Int) { self.maximumLength = maximumLength }

    /// True while the bytes of an over-long line are being dropped.
    public var isDiscarding: Bool { discarding }

    /// The next step over `bytes`, the unread input.
    public mutating func step(_ bytes: UnsafeRawBufferPointer) -> Step {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            if discarding || bytes.count > maximumLength {
                // Drop what we have; keep counting until the newline arrives.
                discarding = true
                discarded += bytes.count
                return .needMore(consumed: bytes.count)
            }
            return .needMore(consumed: 0)
        }
        if discarding || newline > maximumLength {
            let total = discarded + newline
            discarding = false
            discarded = 0
            return .tooLong(length: total, consumed: newline + 1)
        }
        let end = newline > 0 && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
        return .line(range: 0..<end, consumed: newline + 1)
    }
}
