import PlazaCore

/// Which column types an append may widen to, and the exact conversions of old data (Formats/plaza-manifest.md §7).
enum TypeWidening {
    /// The type a column of type `old` takes when data of type `new` is appended, or nil if
    /// neither type widens to the other.
    ///
    /// BIGINT→DECIMAL, BIGINT/DECIMAL→DOUBLE, DATE→TIMESTAMP, anything→VARCHAR, and two DECIMALs
    /// to one that holds both (if it fits 18 digits). When `new` is the narrower type the table
    /// keeps `old` and the writer's caller casts its data.
    static func widened(_ old: DataType, _ new: DataType) -> DataType? {
        if old == new { return old }
        // A DECIMAL of 19 to 38 digits widens nothing and nothing widens to it: stored segments are
        // never converted to or from Int128 (§7); the caller casts appended data to the table's type.
        if old.isWideDecimal || new.isWideDecimal { return nil }
        switch (old, new) {
        case (.varchar, _), (_, .varchar): return .varchar
        case (.date, .timestamp), (.timestamp, .date): return .timestamp
        case (.bigint, .double), (.double, .bigint), (.decimal, .double), (.double, .decimal): return .double
        case (.bigint, .decimal(_, let scale)), (.decimal(_, let scale), .bigint):
            // Every BIGINT of up to 18 - scale digits fits; old values are checked while reading.
            return .decimal(precision: DataType.maxNarrowDecimalPrecision, scale: scale)
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)):
            let scale = max(s1, s2), integerDigits = max(p1 - s1, p2 - s2)
            guard integerDigits + scale <= DataType.maxNarrowDecimalPrecision else { return nil }
            return .decimal(precision: integerDigits + scale, scale: scale)
        default: return nil
        }
    }

    /// Whether values stored as `from` can be read as `to` without loss (the widening order).
    static func canRead(_ from: DataType, as to: DataType) -> Bool {
        if from == to { return true }
        if from.isWideDecimal || to.isWideDecimal { return false }
        switch (from, to) {
        case (_, .varchar): return true
        case (.date, .timestamp): return true
        case (.bigint, .double), (.decimal, .double): return true
        case (.bigint, .decimal): return true
        case (.decimal(let p1, let s1), .decimal(let p2, let s2)): return s2 >= s1 && p2 - s2 >= p1 - s1
        default: return false
        }
    }
}
