public import CanonicalJSON
import LedgerCrypto

/// `hash-iterate`: iterated SHA-256 of the coin and the inputs. Cheap; for tests and demos.
///
/// - Parameters: exactly `{"iterations": N}` with `1 ≤ N ≤ 10000000`.
/// - Inputs: any number (0 or more), in the task's order.
/// - Coin use: the coin bytes are hashed directly (no `h(r || ctr)` draws).
/// - Result:
///
///       h0      = SHA-256( "crowdledger/hash-iterate/v1\n"          (28 ASCII bytes)
///                          || coin                                  (32 bytes)
///                          || for each input, in order:
///                               its length in bytes as 8 bytes big-endian || SHA-256(input) )
///       h(i+1)  = SHA-256( h(i) )                                   (32 bytes in, 32 out)
///       output  = lower-case hex of h(N), 64 ASCII characters, then "\n"   (65 bytes)
public enum HashIterate: BuiltinProgram {
    public static let name = "hash-iterate"
    public static let domain = "crowdledger/hash-iterate/v1\n"
    public static let maxIterations: Int64 = 10_000_000

    public static func validate(params: JSON, inputCount: Int) throws {
        _ = try parse(params)
        guard inputCount >= 0 else { throw ProgramError("\(name): negative input count") }
    }

    static func parse(_ params: JSON) throws(ProgramError) -> Int {
        let p = try Params(params, program: name, keys: ["iterations"])
        return try p.int("iterations", 1...maxIterations)
    }

    public static func run(inputs: [[UInt8]], coin: [UInt8], params: JSON) throws -> [UInt8] {
        try validate(params: params, inputCount: inputs.count)
        try checkCoin(coin, program: name)
        let iterations = try parse(params)
        var h0 = SHA256()
        h0.update(Array(domain.utf8))
        h0.update(coin)
        for input in inputs {
            h0.update(BigEndian.bytes(UInt64(input.count)))
            h0.update(SHA256.hash(input))
        }
        var h = h0.finalize()
        for _ in 0..<iterations { h = SHA256.hash(h) }
        return Array((Hex.encode(h) + "\n").utf8)
    }
}
