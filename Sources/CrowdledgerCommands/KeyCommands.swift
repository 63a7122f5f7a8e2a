import Files
import ArgumentParser
import LedgerCrypto

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a new Ed25519 key (PEM PKCS#8, mode 0600) and print its account id.",
        discussion: helpText(examples: "ALICE=$(crowdledger keygen --out alice.pem)"))

    @Option(name: .long, help: ArgumentHelp("Where to write the key; never overwritten.", valueName: "FILE"), completion: .file(extensions: ["pem"]))
    var out: String

    func run() throws {
        guard out != "-" else {
            throw ToolError.usage("--out -: a private key is never written to standard output; give a file name (it is created 0600)")
        }
        let key = try Ed25519.PrivateKey()
        try KeyFile.create(out, key: key)
        Output.line(key.publicKey.hex)
    }
}

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Print the account id (public key, hex) of a key file.",
        discussion: helpText(examples: "crowdledger account alice.pem", "BOB=$(crowdledger account bob.pem)   # e.g. an openssl genpkey key"))

    @Argument(help: ArgumentHelp("A PEM PKCS#8 Ed25519 private key (e.g. from `openssl genpkey -algorithm ed25519`).", valueName: "KEYFILE"), completion: .file(extensions: ["pem"]))
    var keyFile: String

    func run() throws {
        Output.line(try KeyFile.load(keyFile).publicKey.hex)
    }
}
