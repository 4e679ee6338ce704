import PlazaCore
import PlazaVector

/// A fixed-width value min/max can order.
protocol OrderedValue {
    static func isLess(_ a: Self, _ b: Self) -> Bool
}
extension UInt8: OrderedValue {
    @inline(__always) static func isLess(_ a: UInt8, _ b: UInt8) -> Bool { a < b }
}
extension Int32: OrderedValue {
    @inline(__always) static func isLess(_ a: Int32, _ b: Int32) -> Bool { a < b }
}
extension Int64: OrderedValue {
    @inline(__always) static func isLess(_ a: Int64, _ b: Int64) -> Bool { a < b }
}
extension Int128: OrderedValue {
    @inline(__always) static func isLess(_ a: Int128, _ b: Int128) -> Bool { a < b }
}
extension Double: OrderedValue {
    /// NaN orders above every number, as in `CompareKernel.compareDoubles`.
    @inline(__always) static func isLess(_ a: Double, _ b: Double) -> Bool { a < b || (b.isNaN && !a.isNaN) }
}

/// min / max over a fixed-width type (UInt8, Int32, Int64, Int128, Double).
///
/// One concrete class for every physical type: the values live in raw memory and `update`
/// switches on the type once per batch, then runs a loop specialized for it (a generic class
/// dispatched through `Accumulator` would run unspecialized, with witness calls per value).
final class FixedMinMaxAccumulator: UnaryAccumulatorState {
    var isUngrouped = false
    var threads = 1
    let isMax: Bool
    let type: DataType
    let physicalType: PhysicalType
    let stride: Int
    private var values: UnsafeMutableRawPointer
    private var seen: UnsafeMutablePointer<UInt8>
    private var capacity = 0
    private var groupCount = 0

    init(isMax: Bool, type: DataType, physicalType: PhysicalType) {
        precondition([.uint8, .int32, .int64, .int128, .double].contains(physicalType), "min/max over \(physicalType)")
        self.isMax = isMax
        self.type = type
        self.physicalType = physicalType
        switch physicalType {
        case .uint8: stride = 1
        case .int32: stride = 4
        case .int128: stride = 16
        default: stride = 8
        }
        values = .allocate(byteCount: 16, alignment: 16)
        seen = .allocate(capacity: 1)
    }

    deinit {
        values.deallocate()
        seen.deallocate()
    }

    func resize(_ groupCount: Int) {
        guard groupCount > self.groupCount else { return }
        if groupCount > capacity { grow(groupCount) }
        (values + self.groupCount * stride).initializeMemory(
            as: UInt8.self, repeating: 0, count: (groupCount - self.groupCount) * stride)
        (seen + self.groupCount).initialize(repeating: 0, count: groupCount - self.groupCount)
        self.groupCount = groupCount
    }

    @inline(never)
    private func grow(_ needed: Int) {
        let newCapacity = Swift.max(needed, capacity * 2, 16)
        let newValues = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * stride, alignment: 16)
        newValues.copyMemory(from: values, byteCount: groupCount * stride)
        values.deallocate()
        values = newValues
        let newSeen = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newSeen.update(from: seen, count: groupCount)
        seen.deallocate()
        seen = newSeen
        capacity = newCapacity
    }

    func update(
        _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector?, count: Int
    ) throws(ExecutionError) {
        guard let input, input.type != .null else { return }
        precondition(input.physicalType == physicalType, "min/max of \(physicalType) given \(input.physicalType)")
        switch physicalType {
        case .uint8: updateTyped(UInt8.self, groups, rows, input, count)
        case .int32: updateTyped(Int32.self, groups, rows, input, count)
        case .int64: updateTyped(Int64.self, groups, rows, input, count)
        case .int128: updateTyped(Int128.self, groups, rows, input, count)
        case .double: updateTyped(Double.self, groups, rows, input, count)
        default: preconditionFailure("min/max over \(physicalType)")
        }
    }

    @inline(__always)
    private func updateTyped<T: OrderedValue>(
        _: T.Type, _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?, _ input: ColumnVector,
        _ count: Int
    ) {
        let data = input.data.assumingMemoryBound(to: T.self)
        let best = values.assumingMemoryBound(to: T.self)
        let seen = self.seen
        if let g = isUngrouped ? 0 : (rows == nil ? uniformGroup(groups, count) : nil) {
            // One group for the whole batch: a register reduction.
            if isMax {
                FixedMinMaxAccumulator.reduce(data, rows, input.validity, count, best + g, seen + g) {
                    T.isLess($0, $1)
                }
            } else {
                FixedMinMaxAccumulator.reduce(data, rows, input.validity, count, best + g, seen + g) {
                    T.isLess($1, $0)
                }
            }
            return
        }
        if isMax {
            FixedMinMaxAccumulator.grouped(data, groups, rows, input.validity, count, best, seen) { T.isLess($0, $1) }
        } else {
            FixedMinMaxAccumulator.grouped(data, groups, rows, input.validity, count, best, seen) { T.isLess($1, $0) }
        }
    }

    /// One group: a running best in a register; `worse(a, b)` says `b` should replace `a`.
    @inline(__always)
    private static func reduce<T>(
        _ data: UnsafeMutablePointer<T>, _ rows: UnsafeBufferPointer<Int32>?, _ validity: ValidityBitmap, _ count: Int,
        _ best: UnsafeMutablePointer<T>, _ seen: UnsafeMutablePointer<UInt8>, _ worse: (T, T) -> Bool
    ) {
        var found = seen[0] != 0
        var current = best[0]
        if let rows {
            for r in rows {
                let row = Int(r)
                guard validity.isValid(at: row) else { continue }
                let x = data[row]
                if !found || worse(current, x) { current = x }
                found = true
            }
        } else if let words = validity.words {
            for row in 0..<count where (words[row &>> 6] &>> UInt64(row & 63)) & 1 == 1 {
                let x = data[row]
                if !found || worse(current, x) { current = x }
                found = true
            }
        } else if count > 0 {
            if !found { current = data[0] }
            found = true
            for row in 0..<count {
                let x = data[row]
                current = worse(current, x) ? x : current
            }
        }
        if found {
            best[0] = current
            seen[0] = 1
        }
    }

    /// Many groups: compare with the group's current best, replace it if `worse`.
    @inline(__always)
    private static func grouped<T>(
        _ data: UnsafeMutablePointer<T>, _ groups: UnsafePointer<Int32>, _ rows: UnsafeBufferPointer<Int32>?,
        _ validity: ValidityBitmap, _ count: Int,
        _ best: UnsafeMutablePointer<T>, _ seen: UnsafeMutablePointer<UInt8>, _ worse: (T, T) -> Bool
    ) {
        @inline(__always) func offer(_ row: Int) {
            let g = Int(groups[row])
            let x = data[row]
            if seen[g] == 0 || worse(best[g], x) {
                best[g] = x
                seen[g] = 1
            }
        }
        if let rows {
            for r in rows where validity.isValid(at: Int(r)) { offer(Int(r)) }
        } else if let words = validity.words {
            for row in 0..<count where (words[row &>> 6] &>> UInt64(row & 63)) & 1 == 1 { offer(row) }
        } else {
            for row in 0..<count { offer(row) }
        }
    }

    func merge(
        _ other: FixedMinMaxAccumulator, sources: UnsafePointer<Int32>?, targets: UnsafePointer<Int32>, count: Int
    )
        throws(ExecutionError)
    {
        let o = other
        precondition(o.physicalType == physicalType, "merging min/max of different types")
        switch physicalType {
        case .uint8: mergeTyped(UInt8.self, o, sources, targets, count)
        case .int32: mergeTyped(Int32.self, o, sources, targets, count)
        case .int64: mergeTyped(Int64.self, o, sources, targets, count)
        case .int128: mergeTyped(Int128.self, o, sources, targets, count)
        case .double: mergeTyped(Double.self, o, sources, targets, count)
        default: preconditionFailure("min/max over \(physicalType)")
        }
    }

    @inline(__always)
    private func mergeTyped<T: OrderedValue>(
        _: T.Type, _ other: FixedMinMaxAccumulator, _ sources: UnsafePointer<Int32>?, _ targets: UnsafePointer<Int32>,
        _ count: Int
    ) {
        let mine = values.assumingMemoryBound(to: T.self), theirs = other.values.assumingMemoryBound(to: T.self)
        for i in 0..<count {
            let g = mergeSource(sources, i)
            guard other.seen[g] != 0 else { continue }
            let t = Int(targets[i])
            let x = theirs[g]
            if seen[t] == 0 || (isMax ? T.isLess(mine[t], x) : T.isLess(x, mine[t])) {
                mine[t] = x
                seen[t] = 1
            }
        }
    }

    func finalize(_ groupCount: Int) throws(ExecutionError) -> ColumnVector {
        precondition(groupCount <= self.groupCount, "finalize before resize")
        let out = ColumnVector(type: type, capacity: Swift.max(groupCount, 1))
        for g in 0..<groupCount {
            if seen[g] == 0 {
                out.appendNull()
                continue
            }
            switch physicalType {
            case .uint8: out.append(values.load(fromByteOffset: g, as: UInt8.self))
            case .int32: out.append(values.load(fromByteOffset: g * 4, as: Int32.self))
            case .int64: out.append(values.load(fromByteOffset: g * 8, as: Int64.self))
            case .int128: out.append(values.load(fromByteOffset: g * 16, as: Int128.self))
            default: out.append(values.load(fromByteOffset: g * 8, as: Double.self))
            }
        }
        return out
    }

    var footprint: Int { capacity * (stride + 1) }
}
