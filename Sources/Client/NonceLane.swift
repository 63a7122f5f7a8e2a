import Contract
import Files

/// A clone's nonce lane (FORMAT.md 8.4): a decimal number in 1 ... 2^23 - 1 and a newline in
/// `.NAME.lane` beside the ledger `NAME`. Private to the clone (never committed: two clones
/// sharing a lane are two writers sharing nonces). `crowdledger git-setup` draws it at random.
public enum NonceLane {
    public static func path(forLedger ledger: String) -> String {
        FileIO.companion(of: ledger, suffix: ".lane")
    }

    /// The lane the file names; nil when there is no lane file. A file that is there but does
    /// not hold one lane is an error (exit 2), never silently lane 0.
    public static func load(ledger: String) throws -> Int64? {
        let p = path(forLedger: ledger)
        guard FileIO.exists(p) else { return nil }
        let bytes = try FileIO.readAll(p, limit: 64)
        guard let lane = parse(bytes) else {
            throw ClientError.usage("\(p): a nonce lane file must hold one decimal number from 1 to \(Nonce.maxLane) and a newline; remove it and run `crowdledger git-setup` again")
        }
        return lane
    }

    static func parse(_ bytes: [UInt8]) -> Int64? {
        guard bytes.last == 0x0a else { return nil }
        let digits = bytes.dropLast()
        guard !digits.isEmpty, digits.count <= 7, digits.first != 0x30, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let lane = Int64(String(decoding: digits, as: UTF8.self)), lane >= 1, lane <= Nonce.maxLane else { return nil }
        return lane
    }

    /// Writes `lane` to the lane file unless one is there; returns the lane in force.
    @discardableResult
    public static func ensure(ledger: String, draw: () throws -> Int64) throws -> (lane: Int64, created: Bool) {
        if let lane = try load(ledger: ledger) { return (lane, false) }
        let lane = try draw()
        precondition(lane >= 1 && lane <= Nonce.maxLane)
        try FileIO.createExclusive(path(forLedger: ledger), contents: Array("\(lane)\n".utf8), mode: 0o644)
        return (lane, true)
    }
}
