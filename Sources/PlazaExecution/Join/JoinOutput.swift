import PlazaPlanner
import PlazaVector

/// One output column of a join stage: a column of the build side or of the probe side.
struct JoinOutput: Hashable, Sendable {
    /// Whether the column comes from the build side (else from the probe side).
    let isBuild: Bool
    /// The column's position in its side.
    let index: Int

    /// The output columns of `kind` at `positions` of the join's fields (left columns, then the
    /// right ones for joins that output both), or every field when `positions` is nil.
    static func columns(
        _ positions: [Int]?, kind: Join.Kind, buildIsLeft: Bool, buildCount: Int, probeCount: Int
    ) -> [JoinOutput] {
        let leftCount = buildIsLeft ? buildCount : probeCount
        let fieldCount = kind.isFilter ? leftCount : buildCount + probeCount
        return (positions ?? Array(0..<fieldCount)).map { position in
            position < leftCount
                ? JoinOutput(isBuild: buildIsLeft, index: position)
                : JoinOutput(isBuild: !buildIsLeft, index: position - leftCount)
        }
    }

    /// The output vectors: `probe(i)` for probe column i, `build(i)` for build column i.
    @inline(__always)
    static func assemble(
        _ outputs: [JoinOutput], probe: (Int) -> ColumnVector, build: (Int) -> ColumnVector
    ) -> [ColumnVector] {
        outputs.map { $0.isBuild ? build($0.index) : probe($0.index) }
    }
}
