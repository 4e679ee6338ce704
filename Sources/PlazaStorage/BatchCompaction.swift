import PlazaCore
import PlazaVector

/// Copies the live rows of a batch that has a selection vector into flat columns, because the
/// segment writer takes batches without selections (Formats/plaza-file-format.md, writer input).
enum BatchCompaction {
    /// Fills `target` (columns of the same types) with the selected rows of `batch`; clears its selection.
    static func compact(_ batch: Batch, into target: Batch) {
        guard let selection = batch.selection else { preconditionFailure("compacting a batch without a selection") }
        let rows = selection.buffer
        for (index, column) in batch.columns.enumerated() {
            let source = column.flattened(), destination = target.columns[index]
            precondition(source.type == destination.type, "compaction target has other column types")
            destination.reset()
            destination.reserve(rows.count)
            if source.physicalType == .string {
                for row in rows {
                    if source.isValid(at: Int(row)) {
                        destination.appendBytes(source.bytes(at: Int(row)))
                    } else {
                        destination.appendNull()
                    }
                }
                continue
            }
            let width = source.byteWidth
            for (position, row) in rows.enumerated() {
                (destination.data + position * width).copyMemory(from: source.data + Int(row) * width, byteCount: width)
            }
            destination.setCount(rows.count)
            if source.hasNulls {
                for (position, row) in rows.enumerated() where !source.isValid(at: Int(row)) {
                    destination.setValid(false, at: position)
                }
            }
        }
        target.count = rows.count
        target.selection = nil
    }
}
