/// The tool's version, printed by `crowdledger --version` and recorded in every report.
public enum ToolVersion {
    public static let current = "0.11.0"
}
