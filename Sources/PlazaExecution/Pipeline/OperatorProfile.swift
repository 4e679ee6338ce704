import Synchronization
import PlazaVector

/// Counters of one operator for EXPLAIN ANALYZE; updated by every worker thread.
final class OperatorProfile: Sendable {
    let name: String
    let detail: String
    let rowsIn = Atomic<Int>(0)
    let rowsOut = Atomic<Int>(0)
    let nanoseconds = Atomic<Int>(0)
    let rowGroupsRead = Atomic<Int>(0)
    let rowGroupsSkipped = Atomic<Int>(0)
    let scan = Mutex(ScanStatistics())
    let children = Mutex<[OperatorProfile]>([])
    let isScan: Bool

    init(name: String, detail: String, isScan: Bool = false) {
        self.name = name
        self.detail = detail
        self.isScan = isScan
    }

    /// Creates and attaches a child.
    func child(_ name: String, _ detail: String, isScan: Bool = false) -> OperatorProfile {
        let profile = OperatorProfile(name: name, detail: detail, isScan: isScan)
        children.withLock { $0.append(profile) }
        return profile
    }

    func addRows(in count: Int = 0, out: Int = 0) {
        if count != 0 { rowsIn.add(count, ordering: .relaxed) }
        if out != 0 { rowsOut.add(out, ordering: .relaxed) }
    }

    func addTime(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanoseconds.add(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000), ordering: .relaxed)
    }

    func addScan(_ statistics: ScanStatistics) {
        scan.withLock {
            $0.blocksRead += statistics.blocksRead
            $0.blocksSkipped += statistics.blocksSkipped
            $0.bytesDecoded += statistics.bytesDecoded
        }
    }

    /// The tree below this operator, two spaces per level.
    func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        var line = pad + name
        if !detail.isEmpty { line += " " + detail }
        let time = Double(nanoseconds.load(ordering: .relaxed)) / 1e6
        line += "  [rows in: \(rowsIn.load(ordering: .relaxed)), rows out: \(rowsOut.load(ordering: .relaxed))"
        line += ", time: " + String(Int(time * 1000) / 1000) + "." + threeDigits(Int(time * 1000) % 1000) + " ms"
        if isScan {
            let s = scan.withLock { $0 }
            line +=
                ", row groups read: \(rowGroupsRead.load(ordering: .relaxed)), skipped: \(rowGroupsSkipped.load(ordering: .relaxed))"
            line += ", blocks read: \(s.blocksRead), skipped: \(s.blocksSkipped), bytes decoded: \(s.bytesDecoded)"
        }
        line += "]\n"
        for child in children.withLock({ $0 }) { line += child.render(indent: indent + 1) }
        return line
    }

    private func threeDigits(_ v: Int) -> String {
        v < 10 ? "00\(v)" : (v < 100 ? "0\(v)" : "\(v)")
    }
}
