import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the shell gets its lines: an editor on a terminal, plain reads otherwise.
protocol LineSource: AnyObject {
    /// The next line without its line break; nil at the end of input. On a terminal, Ctrl-C
    /// returns `""` after setting `wasInterrupted`.
    func readLine(prompt: String) -> String?
    /// Whether the last `readLine` was ended by Ctrl-C.
    var wasInterrupted: Bool { get }
    /// Remembers an entered line in the history.
    func addToHistory(_ line: String)
}

/// Lines from a pipe or file: no prompt, no editing.
final class PlainLineSource: LineSource {
    var wasInterrupted: Bool { false }
    func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
    func addToHistory(_ line: String) {}
}

/// A small line editor for a terminal: cursor keys, Home/End, Backspace/Delete, Ctrl-A/E/K/U/W/L,
/// history with the up and down arrows, kept in a file between sessions.
final class LineEditor: LineSource {
    private let historyPath: String?
    private var history: [String] = []
    private let historyLimit = 1000
    private(set) var wasInterrupted = false

    init(historyPath: String?) {
        self.historyPath = historyPath
        if let historyPath, let file = fopen(historyPath, "r") {
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            while getline(&line, &capacity, file) > 0 {
                var text = String(cString: line!)
                if text.hasSuffix("\n") { text.removeLast() }
                if !text.isEmpty { history.append(text.replacingOccurrences(of: "\\n", with: "\n")) }
            }
            free(line)
            if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        }
    }

    func addToHistory(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, history.last != line else { return }
        history.append(line)
        if history.count > historyLimit { history.removeFirst() }
        guard let historyPath, let file = fopen(historyPath, "a") else { return }
        fputs(line.replacingOccurrences(of: "\n", with: "\\n") + "\n", file)
        fclose(file)
    }

    func readLine(prompt: String) -> String? {
        wasInterrupted = false
        var original = termios()
        guard tcgetattr(0, &original) == 0 else { return PlainLineSource().readLine(prompt: prompt) }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        tcsetattr(0, TCSAFLUSH, &raw)
        defer { tcsetattr(0, TCSAFLUSH, &original) }
        return edit(prompt: prompt)
    }

    private func edit(prompt: String) -> String? {
        var line: [Character] = []
        var cursor = 0
        var historyIndex = history.count
        var pending = ""  // the line being typed while browsing history
        func redraw() {
            let tail = line.count - cursor
            writeTerminal("\r" + prompt + String(line) + "\u{1B}[K" + (tail > 0 ? "\u{1B}[\(tail)D" : ""))
        }
        func showHistory(_ index: Int) {
            if historyIndex == history.count { pending = String(line) }
            historyIndex = index
            line = Array(index == history.count ? pending : history[index].replacingOccurrences(of: "\n", with: " "))
            cursor = line.count
            redraw()
        }
        redraw()
        while let byte = readByte() {
            switch byte {
            case 13, 10:
                writeTerminal("\r\n")
                return String(line)
            case 3:  // Ctrl-C: abandon the line
                writeTerminal("^C\r\n")
                wasInterrupted = true
                return ""
            case 4:  // Ctrl-D: end of input on an empty line, else delete
                if line.isEmpty {
                    writeTerminal("\r\n")
                    return nil
                }
                if cursor < line.count { line.remove(at: cursor) }
            case 127, 8:
                if cursor > 0 {
                    cursor -= 1
                    line.remove(at: cursor)
                }
            case 1: cursor = 0
            case 5: cursor = line.count
            case 2: cursor = max(0, cursor - 1)
            case 6: cursor = min(line.count, cursor + 1)
            case 11: line.removeSubrange(cursor...)
            case 21:
                line.removeSubrange(..<cursor)
                cursor = 0
            case 23:  // Ctrl-W: delete the word before the cursor
                var start = cursor
                while start > 0 && line[start - 1] == " " { start -= 1 }
                while start > 0 && line[start - 1] != " " { start -= 1 }
                line.removeSubrange(start..<cursor)
                cursor = start
            case 12: writeTerminal("\u{1B}[H\u{1B}[2J")
            case 27:
                guard let next = readByte() else { return nil }
                guard next == UInt8(ascii: "[") || next == UInt8(ascii: "O"), let code = readByte() else { break }
                switch code {
                case UInt8(ascii: "A"): if historyIndex > 0 { showHistory(historyIndex - 1) }
                case UInt8(ascii: "B"): if historyIndex < history.count { showHistory(historyIndex + 1) }
                case UInt8(ascii: "C"): cursor = min(line.count, cursor + 1)
                case UInt8(ascii: "D"): cursor = max(0, cursor - 1)
                case UInt8(ascii: "H"): cursor = 0
                case UInt8(ascii: "F"): cursor = line.count
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    var digits = [code]
                    while let more = readByte(), more != UInt8(ascii: "~") {
                        digits.append(more)
                        if digits.count > 4 { break }
                    }
                    switch String(decoding: digits, as: UTF8.self) {
                    case "3": if cursor < line.count { line.remove(at: cursor) }
                    case "1", "7": cursor = 0
                    case "4", "8": cursor = line.count
                    default: break
                    }
                default: break
                }
            default:
                guard byte >= 32 else { break }
                var bytes = [byte]
                let extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0
                for _ in 0..<extra { if let more = readByte() { bytes.append(more) } }
                for character in String(decoding: bytes, as: UTF8.self) {
                    line.insert(character, at: cursor)
                    cursor += 1
                }
            }
            redraw()
        }
        return line.isEmpty ? nil : String(line)
    }

    private func readByte() -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(0, &byte, 1)
            if count == 1 { return byte }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    private func writeTerminal(_ text: String) {
        var bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + start, $0.count - start) }
            if written <= 0 { if errno == EINTR { continue } else { return } }
            start += written
        }
    }
}
