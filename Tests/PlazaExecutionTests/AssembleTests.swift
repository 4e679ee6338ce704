import PlazaCore
import PlazaVector
import Testing

@testable import PlazaExecution

/// CASE's `assemble`: rows taken from several sources into one vector.
@Suite struct AssembleTests {
    /// A dictionary vector over `entries` with the given codes (nil: NULL).
    static func dictionaryVector(_ dictionary: ColumnVector, _ codes: [UInt32?]) -> ColumnVector {
        let vector = ColumnVector(type: .varchar, capacity: codes.count)
        vector.makeDictionary(dictionary, count: codes.count)
        let target = vector.values(as: UInt32.self)
        for (row, code) in codes.enumerated() {
            target[row] = code ?? 0
            if code == nil { vector.setValid(false, at: row) }
        }
        return vector
    }

    @Test func textFromOneDictionaryBesideNullStaysADictionaryVector() {
        let dictionary = ColumnVector(type: .varchar)
        for entry in ["Agua", "Obras", "Parques"] { dictionary.append(value: .varchar(entry)) }
        let column = Self.dictionaryVector(dictionary, [2, nil, 0, 1])
        let null = ColumnVector(type: .null)
        // Rows 0 and 2 from the column (row 2 at position 3), row 1 from NULL, row 3 from no source.
        let out = assemble([column, null], [0, 1, 0, -1], [0, 1, 3, 0], type: .varchar, count: 4)
        #expect(out.dictionary === dictionary)
        #expect((0..<4).map { out.value(at: $0) } == [.varchar("Parques"), .null, .varchar("Obras"), .null])
        // Row 1 of the column itself is NULL: it stays NULL when taken.
        let taken = assemble([column], [0, 0], [1, 2], type: .varchar, count: 2)
        #expect((0..<2).map { taken.value(at: $0) } == [.null, .varchar("Agua")])
    }

    @Test func textFromTwoDictionariesIsFlat() {
        let first = ColumnVector(type: .varchar), second = ColumnVector(type: .varchar)
        first.append(value: .varchar("a"))
        second.append(value: .varchar("b"))
        let out = assemble(
            [Self.dictionaryVector(first, [0]), Self.dictionaryVector(second, [0])], [1, 0], [0, 0], type: .varchar,
            count: 2)
        #expect(out.dictionary == nil)
        #expect((0..<2).map { out.value(at: $0) } == [.varchar("b"), .varchar("a")])
    }
}
