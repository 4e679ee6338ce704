#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts `body` on a new thread of its own (not Dispatch's pool, which the query's workers may
/// fill); nil when the system refuses one. `join` waits for it to return.
struct PlainThread {
    #if canImport(Glibc)
        private let thread: pthread_t
    #else
        private let thread: pthread_t?
    #endif

    /// The thread running `body`, or nil when none could be created.
    static func start(_ body: @escaping () -> Void) -> PlainThread? {
        final class Body {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
        #else
            var thread: pthread_t?
        #endif
        let status = pthread_create(
            &thread, nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return PlainThread(thread: thread)
    }

    /// Waits for the thread to return.
    func join() {
        #if canImport(Glibc)
            pthread_join(thread, nil)
        #else
            if let thread { pthread_join(thread, nil) }
        #endif
    }
}
