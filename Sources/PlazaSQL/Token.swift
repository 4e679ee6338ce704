import PlazaCore

/// One lexical unit of SQL text.
package struct Token: Hashable, Sendable {
    /// The kinds of tokens.
    package enum Kind: Hashable, Sendable {
        /// An unquoted word: a keyword or a name (`text` as written).
        case word
        /// A double-quoted name (`text` without quotes, `""` unescaped).
        case quotedIdentifier
        /// A single-quoted string (`text` without quotes, `''` unescaped).
        case string
        /// Digits only.
        case integer
        /// Digits with a decimal point and no exponent.
        case decimal
        /// A number with an exponent (`1e3`).
        case float
        /// `?` (`text` empty) or `$n` (`text` the digits).
        case parameter
        /// Punctuation or an operator (`text` the symbol: `(`, `<=`, `::`, `||`…).
        case symbol
        /// The end of the text.
        case end
    }
    /// The kind.
    package var kind: Kind
    /// The token's text, as described by its kind.
    package var text: String
    /// Where it is.
    package var span: SourceSpan

    /// Whether the token is the word `keyword` (case-insensitive; `keyword` is upper case).
    package func isKeyword(_ keyword: String) -> Bool {
        kind == .word && text.uppercased() == keyword
    }

    /// Whether the token is the symbol `symbol`.
    package func isSymbol(_ symbol: String) -> Bool {
        kind == .symbol && text == symbol
    }
}
