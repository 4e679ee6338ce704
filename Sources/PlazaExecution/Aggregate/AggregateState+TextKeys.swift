import PlazaCore
import PlazaVector

/// Text group keys kept as ids or packed as text (see `settleTextKeys`).
extension AggregateState {
    /// Per group key of `op`: whether it is kept as ids (text, allowed, and not decided otherwise).
    static func idKeys(_ op: AggregateOperator, allowed: Bool, decided: [Bool]?) -> [Bool] {
        op.groupNodes.indices.map { allowed && op.groupNodes[$0].type == .varchar && (decided?[$0] ?? true) }
    }

    /// Settles, at the first batch, whether each text key is kept as ids (dictionary-coded text:
    /// an id per entry, found once) or packed as the text itself (flat text, as a join's probe
    /// side gives it: one hash lookup a row for all keys instead of one more per text key; TPC-H
    /// Q10 spent a fifth of its time numbering customers' names, addresses and comments). Every
    /// worker follows the first batch any of them consumed, so that their states merge.
    func settleTextKeys(_ batch: Batch) throws(ExecutionError) {
        keysSettled = true
        guard allowsTextIDs, op.groupNodes.contains(where: { $0.type == .varchar }) else { return }
        let op = self.op
        let decided = op.textKeyIDs.withLock { decision in
            if decision == nil {
                decision = op.groupNodes.map { node in
                    guard node.type == .varchar else { return false }
                    guard let column = node as? ColumnNode else { return true }
                    return batch.columns[column.index].isDictionary
                }
            }
            return decision!
        }
        try adopt(textKeyIDs: decided)
    }

    /// Makes an empty state keep its text keys as `decided` says (a state that consumed rows
    /// already does): a worker that got no batch merges with the others.
    func adopt(textKeyIDs decided: [Bool]) throws(ExecutionError) {
        let wanted = AggregateState.idKeys(op, allowed: allowsTextIDs, decided: decided)
        guard wanted != keyIDs.map({ $0 != nil }), let current = table, current.groupCount == 0 else { return }
        keyIDs = try wanted.map { (use) throws(ExecutionError) in
            use ? try DictionaryIDs(tracker: op.context.tracker) : nil
        }
        let storedTypes = zip(op.groupTypes, keyIDs).map { $1 == nil ? $0 : DataType.bigint }
        table = try GroupTable(types: storedTypes, tracker: op.context.tracker, operatorName: "hash aggregate")
        keyCache = GroupKeyCache(types: storedTypes, tracker: op.context.tracker)
        sortedGroups = SortedKeyGroups(types: storedTypes)
        pairGroups = nil
    }
}
