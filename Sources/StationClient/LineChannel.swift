internal import NIOCore
internal import NIOPosix
import StationProtocol

/// Splits the daemon's output into lines with the protocol's own framing rule (`LineFraming`); an over-long
/// line from the daemon is a broken connection, not something to parse.
struct ReplyLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    var framing: LineFraming

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let step = buffer.withUnsafeReadableBytes { framing.step($0) }
        switch step {
        case .needMore(let consumed):
            buffer.moveReaderIndex(forwardBy: consumed)
            return .needMoreData
        case .line(let range, let consumed):
            let line = buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!
            buffer.moveReaderIndex(forwardBy: consumed)
            context.fireChannelRead(wrapInboundOut(line))
            return .continue
        case .tooLong(let length, _):
            throw ClientError.badReply("a reply line of \(length) bytes is over the limit")
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// One connection to the daemon's socket as an async channel of lines.
enum LineChannel {
    typealias Channel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Replies can carry a whole report; the daemon's own limit is on requests, so this only stops a runaway.
    static let maximumReplyBytes = 64 << 20

    static func connect(socketPath: String, group: any EventLoopGroup) async throws(ClientError) -> Channel {
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(ReplyLineDecoder(framing: LineFraming(maximumLength: maximumReplyBytes))))
                        return try Channel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .cannotConnect(path: socketPath, reason: "\(error)")
        }
    }
}
