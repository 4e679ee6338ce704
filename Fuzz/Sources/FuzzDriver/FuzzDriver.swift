// The `main` of every fuzzer here. SwiftPM links an executable target's entry point under a
// renamed symbol (`<target>_main`, aliased to `main`), so libFuzzer's own `main` cannot be used;
// instead each target's `@main` calls libFuzzer's documented driver entry, `LLVMFuzzerRunDriver`.
#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer's `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the process's arguments and `callback` as `LLVMFuzzerTestOneInput`, then exits
/// with libFuzzer's status (non-zero after a crash, a leak or a timeout).
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// Stops the process with `message` when `condition` is false. Unlike `precondition`, the message
/// survives `-O` builds, so a crash log says which property of the harness broke.
public func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
