import PlazaCore

extension ParquetColumn {
    /// A statistic (plain-encoded bytes of the stored type) as a Plaza value; nil when malformed.
    func value(fromStatistic bytes: [UInt8]) -> Value? {
        func load<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard bytes.count == MemoryLayout<T>.size else { return nil }
            return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        switch (conversion, type) {
        case (.boolean, _): return bytes.count == 1 ? .boolean(bytes[0] != 0) : nil
        case (.int32ToInt64, .decimal(_, let scale)): return load(Int32.self).map { .decimal(Int64($0), scale: scale) }
        case (.int32ToInt64, _): return load(Int32.self).map { .bigint(Int64($0)) }
        case (.int32ToDate, _): return load(Int32.self).map { .date($0) }
        case (.int64, .decimal(_, let scale)): return load(Int64.self).map { .decimal($0, scale: scale) }
        case (.int64, .timestamp): return load(Int64.self).map { .timestamp($0) }
        case (.int64, _): return load(Int64.self).map { .bigint($0) }
        case (.millisToMicros, _):
            guard let millis = load(Int64.self) else { return nil }
            let (micros, overflow) = millis.multipliedReportingOverflow(by: 1000)
            return overflow ? nil : .timestamp(micros)
        case (.nanosToMicros, _):
            // Rounded outward so that the bounds still contain every value.
            return load(Int64.self).map { .timestamp($0 >= 0 ? $0 / 1000 : ($0 - 999) / 1000) }
        case (.floatToDouble, _):
            return load(UInt32.self).map { Double(Float(bitPattern: $0)) }.flatMap { $0.isNaN ? nil : .double($0) }
        case (.double, _):
            return load(UInt64.self).map { Double(bitPattern: $0) }.flatMap { $0.isNaN ? nil : .double($0) }
        case (.string, _): return .varchar(String(decoding: bytes, as: UTF8.self))
        case (.bigEndianDecimal, .decimal(_, let scale)):
            guard !bytes.isEmpty, bytes.count <= 8 else { return nil }
            var value: Int64 = bytes[0] & 0x80 != 0 ? -1 : 0
            for byte in bytes { value = (value << 8) | Int64(byte) }
            return .decimal(value, scale: scale)
        default: return nil
        }
    }
}

/// Orders two values of one column type; nil when they cannot be compared.
func compareValues(_ a: Value, _ b: Value) -> Int? {
    func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x == y ? 0 : 1 }
    switch (a, b) {
    case (.boolean(let x), .boolean(let y)): return order(x ? 1 : 0, y ? 1 : 0)
    case (.bigint(let x), .bigint(let y)): return order(x, y)
    case (.double(let x), .double(let y)): return x.isNaN || y.isNaN ? nil : order(x, y)
    case (.decimal(let x, let s), .decimal(let y, let t)) where s == t: return order(x, y)
    case (.date(let x), .date(let y)): return order(x, y)
    case (.timestamp(let x), .timestamp(let y)): return order(x, y)
    case (.varchar(let x), .varchar(let y)):
        // Byte order, as Parquet orders UTF-8 statistics.
        return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : x == y ? 0 : 1
    default: return nil
    }
}
