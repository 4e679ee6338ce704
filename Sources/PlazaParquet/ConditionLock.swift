#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mutex with one condition variable (pthreads): what `RowGroupPipeline`'s threads wait on.
/// PlazaParquet stays free of Foundation, so not `NSCondition`.
final class ConditionLock: @unchecked Sendable {
    // Safe to share: the pthread objects are made for use from several threads.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Takes the lock.
    func lock() { pthread_mutex_lock(mutex) }

    /// Releases the lock.
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Releases the lock until another thread calls `broadcast()` (or spuriously), then takes it
    /// again; callers wait in a loop on their condition.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiting thread.
    func broadcast() { pthread_cond_broadcast(condition) }
}

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
