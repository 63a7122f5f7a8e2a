import Client
import Files
import LedgerCrypto

/// A party with a fresh key, saved as a key file in `dir`.
package struct Actor {
    package let key: Ed25519.PrivateKey
    package let keyFile: String
    package var id: String { key.publicKey.hex }
    package var openings: Openings { Openings(keyFile: keyFile) }

    package init(_ name: String, in dir: String) throws {
        key = try Ed25519.PrivateKey()
        keyFile = "\(dir)/\(name).pem"
        try KeyFile.create(keyFile, key: key)
    }
}
