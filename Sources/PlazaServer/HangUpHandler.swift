import NIOCore

/// Closes a connection as soon as its client closes its side, so that `Channel.isActive` turns
/// false and the query running for that client is cancelled.
///
/// Hummingbird allows half-closed connections, where a client's end of input leaves the channel
/// active. No browser or HTTP library sends a request and then half-closes while it waits for the
/// answer, so the end of input is taken as the client going away.
final class HangUpHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Never

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
