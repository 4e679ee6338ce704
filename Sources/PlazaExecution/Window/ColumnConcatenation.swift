import PlazaCore
import PlazaVector

/// Joins vectors of one type end to end into one flat vector (dictionary vectors decoded).
enum ColumnConcatenation {
    /// One flat vector holding every row of `parts`, in order.
    static func concatenate(_ parts: [ColumnVector], type: DataType) -> ColumnVector {
        let total = parts.reduce(0) { $0 + $1.count }
        let out = ColumnVector(type: type, capacity: Swift.max(total, 1))
        let isString = out.physicalType == .string
        if isString {
            out.reserveHeap(parts.reduce(0) { $0 + ($1.isDictionary ? 0 : $1.heapCount) })
        }
        var row = 0
        for raw in parts {
            let part = raw.flattened()
            let count = part.count
            guard count > 0 else { continue }
            if isString {
                let heapBytes = Int(part.offsets[count])
                out.reserveHeap(heapBytes)
                let base = Int32(out.heapCount)
                if heapBytes > 0 { (out.heap + out.heapCount).copyMemory(from: part.heap, byteCount: heapBytes) }
                let source = part.offsets, target = out.offsets
                for index in 0..<count { target[row + index + 1] = base &+ source[index + 1] }
                out.heapCount += heapBytes
            } else {
                let width = out.byteWidth
                (out.data + row * width).copyMemory(from: part.data, byteCount: count * width)
            }
            if part.hasNulls {
                let validity = part.validity
                for index in 0..<count where !validity.isValid(at: index) { out.setValid(false, at: row + index) }
            }
            row += count
        }
        if isString && total == 0 { out.offsets[0] = 0 }
        out.setCount(total)
        return out
    }
}
