internal import PlazaFormat
internal import PlazaStorage

/// Plaza's release and the versions of the on-disk formats it reads and writes (`plaza --version`).
public struct PlazaVersion: Sendable, Hashable, CustomStringConvertible {
    /// The release of the library and the `plaza` tool.
    public var release: String
    /// The newest segment file format written, `major.minor` (Formats/plaza-file-format.md §1):
    /// files without a DECIMAL wider than 18 digits are still written as 1.0.
    public var segmentFormat: String
    /// The segment file formats read: every minor version of the written major version.
    public var segmentFormatsRead: String
    /// The newest manifest format written, `major.minor` (Formats/plaza-manifest.md §2): 1.2 only
    /// for tables with a DECIMAL wider than 18 digits, others 1.1.
    public var manifestFormat: String
    /// The manifest formats read: every minor version of the written major version.
    public var manifestFormatsRead: String

    /// The version of this build of Plaza.
    public static let current: PlazaVersion = {
        let segmentMajor = SegmentFormat.majorVersion
        let manifest = StorageCatalog.manifestVersion
        let manifestMajor = manifest.prefix { $0 != "." }
        return PlazaVersion(
            // Kept in step with the `from:` version the README tells users to depend on.
            release: "0.1.0",
            segmentFormat: "\(segmentMajor).\(SegmentFormat.wideDecimalMinorVersion)",
            segmentFormatsRead: "\(segmentMajor).x",
            manifestFormat: manifest, manifestFormatsRead: "\(manifestMajor).x")
    }()

    /// `Plaza 0.1.0` and the format versions, one per line, as `plaza --version` prints them.
    public var description: String {
        """
        Plaza \(release)
        segment file format \(segmentFormat) (reads \(segmentFormatsRead))
        manifest format \(manifestFormat) (reads \(manifestFormatsRead))
        """
    }
}
