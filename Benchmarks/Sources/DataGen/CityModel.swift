/// One request category: its name, owning agency, subcategories and typical cost and duration.
struct Category {
    let name: String
    let agency: Int
    let subcategories: [[UInt8]]
    /// Mean of log(resolution hours).
    let logHours: Double
    /// Mean of log(cost in pesos).
    let logCost: Double
    /// Fraction of requests of this category that carry a cost.
    let costRate: Double
}

/// One neighbourhood (colonia): name, district, postal code, centre and population.
struct Neighbourhood {
    let name: String
    let district: Int
    let postalCode: Int
    /// Centre in micro-degrees.
    let latitude: Int
    let longitude: Int
    let population: Int
}

/// Everything about the simulated city that does not depend on the row count: derived from the seed only.
struct CityModel {
    let categories: [Category]
    let categoryNames: [[UInt8]]
    let categoryDistribution: Categorical
    let neighbourhoods: [Neighbourhood]
    let neighbourhoodNames: [[UInt8]]
    let neighbourhoodDistribution: Categorical
    let agencyNames: [[UInt8]]
    let statusNames: [[UInt8]]
    let channelNames: [[UInt8]]
    let channelDistribution = Categorical(weights: [0.38, 0.25, 0.17, 0.08, 0.07, 0.05])
    let hourDistribution = Categorical(weights: [
        0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.6, 1.4, 2.6, 3.4, 3.6, 3.5,
        3.3, 3.2, 3.0, 2.9, 2.8, 2.6, 2.3, 2.0, 1.7, 1.4, 1.0, 0.7,
    ])
    /// First and last day of the data set (days since 1970-01-01).
    let firstDay = days(year: 2019, month: 1, day: 1)
    let lastDay = days(year: 2025, month: 12, day: 31)

    /// Builds the city from `seed`.
    init(seed: UInt64) {
        var rng = Xoshiro256(seed: seed ^ 0xC17E)
        var combos: [(String, String, Int)] = []
        for setting in Vocabulary.settings {
            for topic in Vocabulary.topics { combos.append((topic.name + setting, topic.name, topic.agency)) }
        }
        Self.shuffle(&combos, &rng)
        categories = combos.prefix(200).map { name, topic, agency in
            let subCount = 1 + rng.below(6)
            var stems = Vocabulary.subcategories
            Self.shuffle(&stems, &rng)
            let subs = stems.prefix(subCount).map { ByteWriter.encode("\(topic) - \($0)") }
            return Category(
                name: name, agency: agency, subcategories: subs,
                logHours: 1.2 + 4.2 * rng.unit(), logCost: 6.0 + 4.0 * rng.unit(), costRate: 0.2 + 0.7 * rng.unit())
        }
        categoryNames = categories.map { ByteWriter.encode($0.name) }
        categoryDistribution = Categorical.zipf(count: categories.count, offset: 1.5)

        var names: [String] = []
        for prefix in Vocabulary.neighbourhoodPrefixes {
            for stem in Vocabulary.neighbourhoodStems where !stem.hasPrefix(prefix) || prefix.isEmpty {
                names.append(prefix.isEmpty ? stem : "\(prefix) \(stem)")
            }
        }
        Self.shuffle(&names, &rng)
        var hoods: [Neighbourhood] = []
        for (index, name) in names.prefix(600).enumerated() {
            let district = index % Vocabulary.districts.count
            let prefix = Vocabulary.districts[district].postalPrefix
            let population = Int(deterministicExp(9.2 + 0.8 * rng.normal()))
            hoods.append(
                Neighbourhood(
                    name: name, district: district, postalCode: prefix * 1000 + rng.below(100) * 10,
                    latitude: 19_200_000 + (district * 23_000) % 360_000 + rng.below(40_000),
                    longitude: -99_300_000 + (district * 37_000) % 330_000 + rng.below(40_000),
                    population: max(population, 300)))
        }
        neighbourhoods = hoods
        neighbourhoodNames = hoods.map { ByteWriter.encode($0.name) }
        neighbourhoodDistribution = Categorical(weights: hoods.map { Double($0.population) })
        agencyNames = Vocabulary.agencies.map { ByteWriter.encode($0.name) }
        statusNames = Vocabulary.statuses.map { ByteWriter.encode($0) }
        channelNames = Vocabulary.channels.map { ByteWriter.encode($0) }
    }

    /// Relative number of requests created on `day`: growth per year, a rainy-season peak,
    /// quieter weekends and a dip in the spring of 2020.
    func dayWeight(_ day: Int) -> Double {
        let (year, month, _) = civil(fromDays: day)
        let monthFactor = [0.85, 0.85, 0.95, 1.0, 1.05, 1.25, 1.4, 1.35, 1.2, 1.0, 0.9, 0.8][month - 1]
        let weekday = (day + 3) % 7  // 0 = Monday; 1970-01-01 was a Thursday
        let weekdayFactor = weekday >= 5 ? 0.6 : 1.0
        let pandemic = (year == 2020 && month >= 4 && month <= 6) ? 0.7 : 1.0
        return (1 + 0.12 * Double(year - 2019)) * monthFactor * weekdayFactor * pandemic
    }

    /// Fisher–Yates with the data set's generator.
    static func shuffle<T>(_ array: inout [T], _ rng: inout Xoshiro256) {
        guard array.count > 1 else { return }
        for index in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(index, rng.below(index + 1))
        }
    }
}
