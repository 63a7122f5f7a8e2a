import LedgerCrypto
import Programs

/// A fixed coin: SHA-256 of the ASCII text "crowdledger test coin".
let testCoin: [UInt8] = SHA256.hash(Array("crowdledger test coin".utf8))

/// The reason of the ProgramError `body` throws.
func reason(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return "no error"
    } catch let e as ProgramError {
        return e.reason
    } catch {
        return "unexpected error type: \(error)"
    }
}
