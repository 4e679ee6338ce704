// libFuzzer target: the .xlsx reader behind read_xlsx and `plaza import r.xlsx` (ZIP directory,
// inflate, XML, shared strings, styles, cells, type inference) from arbitrary bytes.
//
// An input starting with "PK" is a whole workbook file. Any other input is split at 0xFF bytes into
// the XML of the shared strings, the sheet and the styles, which the harness packs into a valid
// (stored) workbook, so that mutations reach the XML and cell parsers rather than stopping at the
// ZIP layer. Each workbook is read with and without a header row. Bad bytes must throw `CSVError`;
// every column must hold as many values as there are rows. A trap or a sanitizer report is a bug.
#if canImport(Glibc)
    import Glibc
#endif
import FuzzDriver
import PlazaCore
import PlazaVector

@testable import PlazaCSV

let path = "/dev/shm/plaza-fuzz-xlsx-\(getpid()).xlsx"

/// A ZIP file of stored (uncompressed) entries; the reader does not check CRCs, so they are 0.
func storedZip(_ entries: [(String, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = [], directory: [UInt8] = []
    func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func u32(_ v: Int, _ into: inout [UInt8]) { u16(v & 0xFFFF, &into); u16((v >> 16) & 0xFFFF, &into) }
    for (name, data) in entries {
        let offset = out.count, nameBytes = Array(name.utf8)
        u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u32(0, &out); u32(0, &out)
        u32(data.count, &out); u32(data.count, &out); u16(nameBytes.count, &out); u16(0, &out)
        out += nameBytes + data
        u32(0x0201_4B50, &directory); u16(20, &directory); u16(20, &directory); u16(0, &directory)
        u16(0, &directory); u32(0, &directory); u32(0, &directory); u32(data.count, &directory)
        u32(data.count, &directory); u16(nameBytes.count, &directory); u16(0, &directory); u16(0, &directory)
        u16(0, &directory); u16(0, &directory); u32(0, &directory); u32(offset, &directory)
        directory += nameBytes
    }
    let start = out.count
    out += directory
    u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
    u32(directory.count, &out); u32(start, &out); u16(0, &out)
    return out
}

let workbookXML = Array(
    """
    <?xml version="1.0"?><workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>
    """.utf8)
let relationsXML = Array(
    """
    <Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>
    """.utf8)

func read(_ workbook: [UInt8]) {
    writeInput(workbook, to: path)
    for header in [true, false] {
        do {
            let table = try XLSXTable(path: path, header: header)
            for batch in table.batches {
                check(batch.columns.count == table.schema.count, "batch has the wrong number of columns")
                for column in batch.columns { check(column.count == batch.count, "column length differs from batch") }
                for row in 0..<batch.count { for column in batch.columns { _ = column.value(at: row).description } }
            }
        } catch {
            _ = error.description
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.starts(with: [0x50, 0x4B]) {
        read(bytes)
        return 0
    }
    let parts = bytes.split(separator: 0xFF, maxSplits: 2, omittingEmptySubsequences: false).map(Array.init)
    var entries: [(String, [UInt8])] = [
        ("xl/workbook.xml", workbookXML), ("xl/_rels/workbook.xml.rels", relationsXML),
        ("xl/worksheets/sheet1.xml", parts.count > 1 ? parts[1] : parts.first ?? []),
    ]
    if parts.count > 1 { entries.append(("xl/sharedStrings.xml", parts[0])) }
    if parts.count > 2 { entries.append(("xl/styles.xml", parts[2])) }
    read(storedZip(entries))
    return 0
}

@main enum Fuzzer {
    static func main() { runFuzzer(fuzzXLSX) }
}
