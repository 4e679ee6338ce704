import Testing

@testable import PlazaCSV

/// CSV text checks that are not value parsing (that lives in PlazaCoreTests/TextValueParserTests).
@Suite struct TextEncodingTests {
    @Test func utf8Validation() {
        let valid = Array("año ñ € 😀".utf8)
        #expect(valid.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 2) } == nil)
        let invalid: [UInt8] = [0x61, 0x0A, 0x62, 0xF1, 0x6F]  // "b\xF1o": Latin-1 ñ
        #expect(invalid.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 2) } == 3)
        let overlong: [UInt8] = [0xC0, 0xAF]
        #expect(overlong.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 1) } == 0)
        let surrogate: [UInt8] = [0xED, 0xA0, 0x80]
        #expect(surrogate.withUnsafeBytes { TextEncoding.firstInvalidUTF8($0, threads: 1) } == 0)
    }
}
