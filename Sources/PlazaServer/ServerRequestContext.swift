import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection, so that a query can
/// notice its client going away and stop.
struct ServerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's connection.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Whether the client is still connected.
    var isConnected: Bool { channel.isActive }
}
