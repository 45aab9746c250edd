/// The package's one lock type: a pthread mutex, allocated once (pthread needs its address
/// to stay put), with ``withLock(_:)`` and, for waits, ``Condition``.
///
/// (Not `Synchronization.Mutex`: it needs macOS 15 on Darwin and cannot be waited on with a
/// condition variable, which the chunk prefetcher needs.)
///
/// `@unchecked Sendable`: the mutex is the synchronization; its pointer never changes.
@_spi(Engine) public final class Lock: @unchecked Sendable {
    fileprivate let mutex: UnsafeMutablePointer<LibC.MutexValue>

    @_spi(Engine) public init() {
        mutex = .allocate(capacity: 1)
        LibC.initMutex(mutex)
    }

    deinit {
        LibC.destroyMutex(mutex)
        mutex.deallocate()
    }

    /// Takes the lock (pair it with ``unlock()``; prefer ``withLock(_:)``).
    @_spi(Engine) public func lock() { LibC.lockMutex(mutex) }

    @_spi(Engine) public func unlock() { LibC.unlockMutex(mutex) }

    /// Runs `body` with the lock held.
    @inline(__always)
    @_spi(Engine) public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// A condition variable, waited on with a ``Lock`` held.
    ///
    /// `@unchecked Sendable`: the pthread condition is the synchronization; its pointer never
    /// changes.
    @_spi(Engine) public final class Condition: @unchecked Sendable {
        private let condition: UnsafeMutablePointer<LibC.ConditionValue>

        @_spi(Engine) public init() {
            condition = .allocate(capacity: 1)
            LibC.initCondition(condition)
        }

        deinit {
            LibC.destroyCondition(condition)
            condition.deallocate()
        }

        /// With `lock` held: releases it until the condition is signalled (or spuriously),
        /// then takes it again. Callers check what they wait for in a loop.
        @_spi(Engine) public func wait(_ lock: Lock) { LibC.waitCondition(condition, lock.mutex) }

        /// Wakes one waiter.
        @_spi(Engine) public func signal() { LibC.signalCondition(condition) }

        /// Wakes every waiter.
        @_spi(Engine) public func broadcast() { LibC.broadcastCondition(condition) }
    }
}
