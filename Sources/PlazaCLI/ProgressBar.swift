import Foundation
import Plaza
import Synchronization

/// A one-line progress bar on standard error: bytes done, MB/s and time left.
///
/// `update` may be called from any thread; it redraws at most ten times a second.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw: ContinuousClock.Instant?
        var isDrawn = false
    }
    private let label: String
    private let start = ContinuousClock.now
    private let state = Mutex(State())

    init(label: String) { self.label = label }

    func update(_ progress: ImportProgress) {
        let now = ContinuousClock.now
        let shouldDraw = state.withLock { state -> Bool in
            if let last = state.lastDraw, now - last < .milliseconds(100) { return false }
            state.lastDraw = now
            state.isDrawn = true
            return true
        }
        guard shouldDraw, progress.bytesTotal > 0 else { return }
        let fraction = min(1, Double(progress.bytesDone) / Double(progress.bytesTotal))
        let elapsed = now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(progress.bytesDone) / seconds : 0
        let left = rate > 0 ? Double(progress.bytesTotal - progress.bytesDone) / rate : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let text = String(
            format: "\r%@ %@ %3d%% %.1f/%.1f MB %.1f MB/s %ds left ", label, bar, Int(fraction * 100),
            Double(progress.bytesDone) / 1e6, Double(progress.bytesTotal) / 1e6, rate / 1e6, Int(left))
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Clears the bar's line.
    func finish() {
        let wasDrawn = state.withLock { $0.isDrawn }
        if wasDrawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
