import Foundation

/// The `name=value` pairs of a URL's query, decoded as browsers encode forms: `+` is a space and
/// `%XX` a byte of UTF-8 (so `?sql=SELECT+1` and `?sql=SELECT%201` read alike).
enum QueryString {
    /// The pairs in order; a pair without `=` has an empty value.
    static func parse(_ query: String?) throws(APIError) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    private static func decode(_ text: Substring) throws(APIError) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw .request(
                "the query string holds a malformed %-escape or bytes that are not UTF-8: \(text.prefix(60))")
        }
        return decoded
    }
}
