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

/// Writes `bytes` to `path`, replacing the file (for targets whose readers map files).
public func writeInput(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    check(fd >= 0, "cannot create \(path)")
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
        check(n > 0, "cannot write \(path)")
        written += n
    }
    close(fd)
}
