/// The structures of a Parquet footer and page headers that Plaza reads and writes, with the
/// Thrift field ids of the format's `parquet.thrift` in comments.

/// Parquet's physical types (`Type`).
package enum ParquetPhysicalType: Int32, Sendable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

/// Parquet's value and level encodings (`Encoding`).
package enum ParquetEncoding: Int32, Sendable {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9
}

/// Page compression codecs (`CompressionCodec`).
package enum ParquetCodec: Int32, Sendable, CaseIterable {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
}

/// The time unit of a TIMESTAMP logical type.
enum ParquetTimeUnit: Sendable { case millis, micros, nanos }

/// The logical-type annotations Plaza maps (`LogicalType` union and legacy `ConvertedType`).
enum ParquetLogicalType: Sendable, Equatable {
    case string
    case decimal(precision: Int, scale: Int)
    case date
    case timestamp(ParquetTimeUnit)
    case integer(bitWidth: Int, isSigned: Bool)
    /// Any other annotation, by name, for the error message.
    case other(String)
}

/// `SchemaElement`.
struct ParquetSchemaElement: Sendable {
    var type: ParquetPhysicalType?  // 1
    var typeLength: Int32?  // 2
    var repetition: Int32?  // 3: 0 required, 1 optional, 2 repeated
    var name: String = ""  // 4
    var childCount: Int32?  // 5
    var convertedType: Int32?  // 6
    var scale: Int32?  // 7
    var precision: Int32?  // 8
    var logicalType: ParquetLogicalType?  // 10
}

/// `Statistics`: min and max as plain-encoded bytes of the physical type.
package struct ParquetStatistics: Sendable {
    /// Smallest value (`min_value`, or the legacy `min` where its order is the same).
    package var min: [UInt8]?
    /// Largest value.
    package var max: [UInt8]?
    /// NULLs in the chunk or page, when written.
    package var nullCount: Int64?
    /// Whether min and max came from the deprecated fields, whose order for bytes was signed.
    var isLegacy = false

    /// Creates statistics.
    package init(min: [UInt8]? = nil, max: [UInt8]? = nil, nullCount: Int64? = nil) {
        self.min = min
        self.max = max
        self.nullCount = nullCount
    }
}

/// `ColumnMetaData` joined with its `ColumnChunk`.
struct ParquetColumnChunk: Sendable {
    var type: ParquetPhysicalType = .int32  // 1
    var path: [String] = []  // 3
    var codec: Int32 = 0  // 4
    var valueCount: Int64 = 0  // 5
    var totalCompressedSize: Int64 = 0  // 7
    var dataPageOffset: Int64 = 0  // 9
    var dictionaryPageOffset: Int64?  // 11
    var statistics: ParquetStatistics?  // 12
    var filePath: String?  // ColumnChunk 1: data in another file (not supported)

    /// Where the chunk's first page starts: the dictionary page if there is one, else the
    /// first data page. Some writers put 0 in `dictionary_page_offset` for "none".
    var firstPageOffset: Int64 {
        guard let dictionary = dictionaryPageOffset, dictionary > 0 else { return dataPageOffset }
        return min(dictionary, dataPageOffset)
    }
}

/// `RowGroup`.
struct ParquetRowGroup: Sendable {
    var columns: [ParquetColumnChunk] = []  // 1
    var rowCount: Int64 = 0  // 3
}

/// `FileMetaData`.
struct ParquetFileMetadata: Sendable {
    var version: Int32 = 0  // 1
    var schema: [ParquetSchemaElement] = []  // 2
    var rowCount: Int64 = 0  // 3
    var rowGroups: [ParquetRowGroup] = []  // 4
    var createdBy: String?  // 6
}

/// `PageType`.
enum ParquetPageType: Int32 { case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3 }

/// `PageHeader` with whichever of its sub-headers the page type needs.
struct ParquetPageHeader {
    var type: Int32 = -1  // 1
    var uncompressedSize: Int32 = -1  // 2
    var compressedSize: Int32 = -1  // 3
    // DataPageHeader (5), DictionaryPageHeader (7) and DataPageHeaderV2 (8), flattened.
    var valueCount: Int32 = -1
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = 3
    var nullCount: Int32 = 0
    var rowCount: Int32 = 0
    var definitionLevelsLength: Int32 = 0
    var repetitionLevelsLength: Int32 = 0
    var isCompressed = true
}
