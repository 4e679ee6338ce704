/// The names the data set is built from: a Mexico-City-like open-data vocabulary in Spanish.
enum Vocabulary {
    /// Departments (secretarías) that agencies report to.
    static let departments = [
        "Gobierno", "Obras y Servicios", "Seguridad Ciudadana", "Medio Ambiente", "Movilidad",
        "Desarrollo Social", "Administración y Finanzas", "Salud",
    ]

    /// The 15 agencies, each with the index of its department in `departments`.
    static let agencies: [(name: String, department: Int)] = [
        ("Sistema de Aguas", 1), ("Obras Públicas", 1), ("Alumbrado Público", 1),
        ("Limpia y Residuos Sólidos", 3), ("Parques y Jardines", 3), ("Secretaría del Medio Ambiente", 3),
        ("Seguridad Ciudadana", 2), ("Protección Civil", 0), ("Movilidad y Tránsito", 4),
        ("Agencia de Gestión Urbana", 1), ("Desarrollo Urbano y Vivienda", 6), ("Verificación Administrativa", 0),
        ("Bienestar Social", 5), ("Servicios de Salud", 7), ("Atención Ciudadana", 0),
    ]

    /// Topics of requests, each owned by an agency (index into `agencies`).
    static let topics: [(name: String, agency: Int)] = [
        ("Fuga de agua", 0), ("Falta de agua", 0), ("Drenaje obstruido", 0), ("Coladera sin tapa", 0),
        ("Agua turbia", 0), ("Inundación", 0), ("Bache", 1), ("Banqueta dañada", 1), ("Puente peatonal dañado", 1),
        ("Reencarpetado", 1), ("Luminaria apagada", 2), ("Luminaria intermitente", 2), ("Poste dañado", 2),
        ("Cableado colgante", 2), ("Recolección de basura", 3), ("Tiradero clandestino", 3), ("Cascajo en vía pública", 3),
        ("Animal muerto", 3), ("Poda de árbol", 4), ("Árbol caído", 4), ("Mantenimiento de camellón", 4),
        ("Pasto crecido", 4), ("Ruido excesivo", 5), ("Contaminación del aire", 5), ("Quema de basura", 5),
        ("Maltrato animal", 5), ("Robo a transeúnte", 6), ("Vehículo abandonado", 6), ("Venta de alcohol", 6),
        ("Riña", 6), ("Riesgo estructural", 7), ("Fuga de gas", 7), ("Incendio", 7), ("Semáforo descompuesto", 8),
        ("Señalamiento dañado", 8), ("Estacionamiento en doble fila", 8), ("Transporte público", 8),
        ("Grafiti", 9), ("Puesto ambulante", 9), ("Obstrucción de banqueta", 9), ("Construcción irregular", 10),
        ("Uso de suelo", 10), ("Establecimiento sin licencia", 11), ("Horario de establecimiento", 11),
        ("Apoyo a adultos mayores", 12), ("Comedor comunitario", 12), ("Fumigación", 13), ("Control de plagas", 13),
        ("Información de trámites", 14), ("Queja de servidor público", 14),
    ]

    /// Where a topic happens; combined with topics to make about 200 categories.
    static let settings = ["", " en vía primaria", " en vía secundaria", " en espacio público", " en unidad habitacional"]

    /// Subcategory stems; each category gets a few of them.
    static let subcategories = [
        "Reporte ciudadano", "Seguimiento", "Urgente", "Reincidente", "Revisión técnica",
        "Solicitud de información", "Daño a terceros", "Atención programada", "Zona escolar",
        "Vía rápida, carril central",
    ]

    /// The 16 districts (alcaldías) with a base postal-code prefix (two digits, leading zero kept).
    static let districts: [(name: String, postalPrefix: Int)] = [
        ("Álvaro Obregón", 1), ("Azcapotzalco", 2), ("Benito Juárez", 3), ("Coyoacán", 4),
        ("Cuajimalpa de Morelos", 5), ("Cuauhtémoc", 6), ("Gustavo A. Madero", 7), ("Iztacalco", 8),
        ("Iztapalapa", 9), ("La Magdalena Contreras", 10), ("Miguel Hidalgo", 11), ("Milpa Alta", 12),
        ("Tláhuac", 13), ("Tlalpan", 14), ("Venustiano Carranza", 15), ("Xochimilco", 16),
    ]

    /// Prefixes of neighbourhood names.
    static let neighbourhoodPrefixes = [
        "", "San", "Santa", "Lomas de", "Jardines de", "Villa", "Ampliación", "Unidad Habitacional",
        "Barrio de", "Residencial", "Colinas de", "Valle de", "Paseos de", "Fraccionamiento", "Pueblo de",
    ]

    /// Stems of neighbourhood names (with accents, ñ and the odd comma that real portals publish).
    static let neighbourhoodStems = [
        "Guadalupe", "Tepeyac", "Chapultepec", "Hidalgo", "Juárez", "Morelos", "Independencia", "Reforma",
        "Nápoles", "Condesa", "Roma", "Coyoacán", "Tlalpan", "Peñón", "Pedregal", "Zapata", "Anáhuac",
        "Tacubaya", "Mixcoac", "Churubusco", "Tlatelolco", "Aragón", "Ticomán", "Zacatenco", "Lindavista",
        "Atzacoalco", "Cuchilla", "Agrícola", "Santa Úrsula", "Culhuacán", "Tepalcates", "Ejército de Oriente",
        "Iztaccíhuatl", "Popocatépetl", "Xochimilco", "Nativitas", "Tulyehualco", "Mixquic", "Tecómitl",
        "Azcapotzalco", "Clavería", "Tacuba", "Popotla", "Anzures", "Polanco", "Escandón", "Narvarte",
        "Portales", "Del Valle", "Álamos", "Moctezuma", "Balbuena", "Jamaica", "Merced", "Doctores",
        "Obrera", "Buenos Aires", "Peralvillo", "Morelos, Tepito", "La Montaña",
    ]

    /// Channels through which requests arrive, most common first.
    static let channels = ["Teléfono 311", "Aplicación móvil", "Portal web", "Redes sociales", "Presencial", "WhatsApp"]

    /// Status values; the first two are still open (no closing timestamp).
    static let statuses = ["Abierto", "En proceso", "Cerrado", "Cancelado"]

    /// Spending programmes of the budget table.
    static let programmes = [
        "Mantenimiento de infraestructura hidráulica", "Bacheo y repavimentación", "Alumbrado y energía",
        "Recolección y disposición de residuos", "Áreas verdes", "Calidad del aire", "Prevención del delito",
        "Gestión integral de riesgos", "Movilidad segura", "Vivienda y desarrollo urbano",
        "Programas sociales", "Atención médica", "Administración general", "Tecnologías de la información",
        "Capacitación", "Comunicación social",
    ]

    /// Supplier name parts of the budget table.
    static let supplierStems = [
        "Constructora", "Servicios Integrales", "Comercializadora", "Grupo", "Ingeniería", "Suministros",
        "Tecnología", "Consultores", "Distribuidora", "Mantenimiento",
    ]

    /// Supplier name suffixes of the budget table.
    static let supplierNames = [
        "del Valle", "Azteca", "Anáhuac", "Tenochtitlan", "del Centro", "Metropolitana", "Olmeca", "Maya",
        "Mexica", "Iztaccíhuatl", "Peñasco", "Cóndor", "Quetzal", "Jaguar", "Nopal", "Xóchitl",
        "Tláloc", "Sierra Madre", "Pacífico", "Golfo",
    ]

    /// Legal forms appended to supplier names.
    static let legalForms = ["S.A. de C.V.", "S. de R.L. de C.V.", "S.C.", "S.A.P.I. de C.V."]
}
