/// The small lookup tables (`colonias`, `dependencias`) and the budget table (`presupuesto`).
enum LookupTables {
    /// `colonias`: neighbourhood → district, postal code, population.
    static func colonias(_ model: CityModel) -> [UInt8] {
        var out = ByteWriter(capacity: 64 * 1024)
        out.raw(Array("colonia,alcaldia,codigo_postal,poblacion\n".utf8))
        for (index, hood) in model.neighbourhoods.enumerated() {
            out.raw(model.neighbourhoodNames[index])
            out.comma()
            out.field(Vocabulary.districts[hood.district].name)
            out.comma()
            out.padded(hood.postalCode, width: 5)
            out.comma()
            out.int(hood.population)
            out.newline()
        }
        return out.bytes
    }

    /// `dependencias`: agency → department, annual budget.
    static func dependencias(_ model: CityModel, seed: UInt64) -> [UInt8] {
        var rng = Xoshiro256(seed: seed ^ 0xDE9E)
        var out = ByteWriter(capacity: 4096)
        out.raw(Array("dependencia,secretaria,presupuesto_anual\n".utf8))
        for agency in Vocabulary.agencies {
            out.field(agency.name)
            out.comma()
            out.field(Vocabulary.departments[agency.department])
            out.comma()
            out.fixed(50_000_000_00 + rng.below(4_000_000_000) * 100 + rng.below(100), scale: 2)
            out.newline()
        }
        return out.bytes
    }

    /// The CSV header of `presupuesto`.
    static let presupuestoHeader = "id,fecha,secretaria,programa,proveedor,monto\n"

    /// Rows `range` of `presupuesto` (spending lines); chunked and seeded like `reportes`.
    static func presupuesto(_ model: CityModel, seed: UInt64, range: Range<Int>, chunk: Int, into out: inout ByteWriter) {
        var setup = Xoshiro256(seed: seed ^ 0x5B9)
        var suppliers: [[UInt8]] = []
        for stem in Vocabulary.supplierStems {
            for name in Vocabulary.supplierNames {
                suppliers.append(ByteWriter.encode("\(stem) \(name) \(Vocabulary.legalForms[setup.below(4)])"))
            }
        }
        let supplierDistribution = Categorical.zipf(count: suppliers.count, offset: 3)
        let departments = Vocabulary.departments.map { ByteWriter.encode($0) }
        let programmes = Vocabulary.programmes.map { ByteWriter.encode($0) }
        var rng = Xoshiro256(seed: seed &+ 0xB0D6_E700 &+ UInt64(chunk) &* 0x9E37_79B9)
        let span = model.lastDay - model.firstDay + 1
        for row in range {
            out.int(row + 1)
            out.comma()
            out.date(days: model.firstDay + rng.below(span))
            out.comma()
            let department = rng.below(departments.count)
            out.raw(departments[department])
            out.comma()
            out.raw(programmes[(department * 2 + rng.below(3)) % programmes.count])
            out.comma()
            out.raw(suppliers[supplierDistribution.sample(&rng)])
            out.comma()
            let cents = Int(deterministicExp(10.5 + 1.6 * rng.normal()) * 100)
            out.fixed(rng.chance(0.01) ? -cents : min(cents, 999_999_999_999), scale: 2)
            out.newline()
        }
    }
}
