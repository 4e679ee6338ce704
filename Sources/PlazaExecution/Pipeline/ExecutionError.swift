import PlazaCore

/// An error raised while running a plan: bad data met at run time, a limit, or cancellation.
///
/// Binding errors never reach the executor; everything here is about values and resources.
package struct ExecutionError: Error, CustomStringConvertible {
    /// What went wrong.
    package enum Kind: Sendable {
        /// An exact result does not fit its type (SUM over BIGINT, `*` on BIGINT, a cast to DECIMAL).
        case overflow
        /// A value could not be converted (`CAST('abc' AS BIGINT)`, `DATE '2024-02-30'`).
        case conversion
        /// An integer `%` or exact division by zero.
        case divisionByZero
        /// A function argument outside its domain (`sqrt(-1)`, a bad `date_trunc` part).
        case invalidArgument
        /// The query was cancelled through `ExecutionOptions.isCancelled`.
        case cancelled
        /// An operator needed more memory than `ExecutionOptions.memoryLimit` allows.
        case memoryLimit
        /// Reading a table failed; `underlying` is the storage layer's error.
        case storage(underlying: any Error)
        /// A broken invariant in the executor: a bug; please report it.
        case `internal`
    }

    /// What went wrong.
    package var kind: Kind
    /// A sentence naming the value, the operator and how to fix it.
    package var message: String

    /// Creates an error.
    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message, prefixed with the kind.
    package var description: String {
        switch kind {
        case .overflow: return "Overflow error: " + message
        case .conversion: return "Conversion error: " + message
        case .divisionByZero: return "Division by zero: " + message
        case .invalidArgument: return "Invalid argument: " + message
        case .cancelled: return "Cancelled: " + message
        case .memoryLimit: return "Out of memory: " + message
        case .storage(let underlying): return "Storage error: " + message + ": " + String(describing: underlying)
        case .internal: return "Internal error (a bug; please report it): " + message
        }
    }
}

/// Formats a byte count as `1.5 GiB` for messages.
func formatBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(bytes) bytes" }
    return String(Int(value * 10) / 10) + "." + String(Int(value * 10) % 10) + " " + units[unit]
}
