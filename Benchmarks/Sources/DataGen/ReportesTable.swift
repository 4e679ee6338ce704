/// Generates the `reportes` table (citizen service requests), one chunk of rows at a time.
///
/// Each chunk has its own generator seeded from (seed, chunk index), so chunks can be made in
/// parallel and the file is byte-identical whatever the number of threads.
struct ReportesTable {
    /// The CSV header line.
    static let header =
        "id,fecha_creacion,fecha_cierre,dependencia,categoria,subcategoria,colonia,codigo_postal,"
        + "latitud,longitud,estatus,canal,horas_resolucion,costo\n"

    let model: CityModel
    let rows: Int
    let seed: UInt64
    /// Cumulative day weights, normalised to 1 at the last day.
    private let cumulativeDays: [Double]

    /// Prepares the creation-date distribution for `rows` rows.
    init(model: CityModel, rows: Int, seed: UInt64) {
        self.model = model
        self.rows = rows
        self.seed = seed
        var cumulative: [Double] = []
        var total = 0.0
        for day in model.firstDay...model.lastDay {
            total += model.dayWeight(day)
            cumulative.append(total)
        }
        cumulativeDays = cumulative.map { $0 / total }
    }

    /// Writes rows `range` as CSV lines into `out`.
    func write(range: Range<Int>, chunk: Int, into out: inout ByteWriter) {
        var rng = Xoshiro256(seed: seed &+ 0x5EED_0000 &+ UInt64(chunk) &* 0x9E37_79B9)
        let openWindowStart = model.lastDay - 120
        var dayIndex = firstDayIndex(quantile: (Double(range.lowerBound) + 0.5) / Double(rows))
        for row in range {
            // Creation day follows the row number through the seasonal distribution, so the
            // file is ordered by day as exported portals are (statistics can prune by date).
            let quantile = (Double(row) + 0.5) / Double(rows)
            while dayIndex < cumulativeDays.count - 1 && cumulativeDays[dayIndex] < quantile { dayIndex += 1 }
            let day = model.firstDay + dayIndex
            let created = day * 86_400 + model.hourDistribution.sample(&rng) * 3600 + rng.below(3600)

            let categoryIndex = model.categoryDistribution.sample(&rng)
            let category = model.categories[categoryIndex]
            let hoodIndex = model.neighbourhoodDistribution.sample(&rng)
            let hood = model.neighbourhoods[hoodIndex]

            let recentness = day > openWindowStart ? Double(day - openWindowStart) / 120 : 0
            let openDraw = rng.unit()
            let status: Int
            if openDraw < 0.02 + 0.6 * recentness { status = rng.chance(0.5) ? 0 : 1 }
            else if openDraw > 0.96 { status = 3 }
            else { status = 2 }

            out.int(row + 1)
            out.comma()
            out.timestamp(seconds: created)
            out.comma()
            let hundredths = Int(deterministicExp(category.logHours + 0.9 * rng.normal()) * 100) + 1
            if status >= 2 { out.timestamp(seconds: created + hundredths * 36) }
            out.comma()
            out.raw(model.agencyNames[category.agency])
            out.comma()
            out.raw(model.categoryNames[categoryIndex])
            out.comma()
            out.raw(category.subcategories[rng.below(category.subcategories.count)])
            out.comma()
            out.raw(model.neighbourhoodNames[hoodIndex])
            out.comma()
            out.padded(hood.postalCode, width: 5)
            out.comma()
            if rng.chance(0.03) {
                out.comma()
            } else {
                out.fixed(hood.latitude + Int(rng.normal() * 2500), scale: 6)
                out.comma()
                out.fixed(hood.longitude + Int(rng.normal() * 2500), scale: 6)
            }
            out.comma()
            out.raw(model.statusNames[status])
            out.comma()
            out.raw(model.channelNames[model.channelDistribution.sample(&rng)])
            out.comma()
            if status >= 2 { out.fixed(hundredths, scale: 2) }
            out.comma()
            if rng.chance(category.costRate) {
                let cents = Int(deterministicExp(category.logCost + rng.normal()) * 100)
                out.fixed(min(cents, 99_999_999_999), scale: 2)
            }
            out.newline()
        }
    }

    private func firstDayIndex(quantile: Double) -> Int {
        var low = 0
        var high = cumulativeDays.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulativeDays[mid] < quantile { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
