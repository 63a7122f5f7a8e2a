import LedgerCrypto
import Programs

/// A fixed coin: SHA-256 of the ASCII text "crowdledger test coin".
let testCoin: [UInt8] = SHA256.hash(Array("crowdledger test coin".utf8))

