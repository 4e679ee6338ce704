import PlazaCore
import PlazaVector
import Testing

@testable import PlazaExecution

/// Merging var_samp/stddev_samp states: a group that one thread never saw takes the other
/// thread's state as it is, whatever the size of the values.
@Suite struct VarianceMergeTests {
    /// A state for one group holding `values`.
    func state(_ values: [Double]) throws -> VarianceAccumulator {
        let accumulator = VarianceAccumulator(isStandardDeviation: true)
        accumulator.resize(1)
        let input = ColumnVector(type: .double, capacity: Swift.max(values.count, 1))
        for value in values { input.append(value: .double(value)) }
        let groups = [Int32](repeating: 0, count: values.count)
        try groups.withUnsafeBufferPointer { try accumulator.update($0.baseAddress!, nil, input, count: values.count) }
        return accumulator
    }

    @Test(arguments: [1e300, -1e300, 2.5, 1e160])
    func mergingIntoAnEmptyGroupKeepsTheState(value: Double) throws {
        let empty = try state([])
        let full = try state([value, value, value])
        let targets: [Int32] = [0]
        try targets.withUnsafeBufferPointer { try empty.merge(full, sources: nil, targets: $0.baseAddress!, count: 1) }
        #expect(try empty.finalize(1).value(at: 0) == .double(0), "stddev_samp of three equal \(value)")
        // Merging into a group that has rows still combines the two states.
        let more = try state([value])
        try targets.withUnsafeBufferPointer { try more.merge(full, sources: nil, targets: $0.baseAddress!, count: 1) }
        #expect(try more.finalize(1).value(at: 0) == .double(0))
    }
}
