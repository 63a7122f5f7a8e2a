// The tool's cryptography does not depend on the machine's OpenSSL configuration: libcrypto is
// initialised without reading openssl.cnf (LedgerCrypto/OpenSSLInit.swift). A configuration that
// OpenSSL cannot apply (it names a provider that does not exist) made every key unreadable before.

import Foundation
import Testing

@Suite("OpenSSL's configuration file is not read") struct OpenSSLConfigTests {
    @Test func aBrokenOpenSSLConfigurationChangesNothing() throws {
        let dir = try TempDir()
        let conf = try dir.write("openssl.cnf", """
            openssl_conf = openssl_init
            [openssl_init]
            providers = provider_sect
            [provider_sect]
            nosuch = nosuch_sect
            [nosuch_sect]
            activate = 1

            """)
        let env = ["OPENSSL_CONF": conf, "CROWDLEDGER_TIME": String(CLI.t0)]
        let a = CLI.run(["keygen", "--out", dir.path("a.pem")], env: env)
        let b = CLI.run(["keygen", "--out", dir.path("b.pem")], env: env)
        try #require(a.status == 0 && b.status == 0, "\(a)\n\(b)")
        let ledger = dir.path("l.jsonl")
        let i = CLI.run(["init", "--ledger", ledger, "--fund", "\(a.lines[0])=100"], env: env)
        #expect(i.status == 0, "\(i)")
        let t = CLI.run(["transfer", "--ledger", ledger, "--key", dir.path("a.pem"), "--to", b.lines[0], "--amount", "5"], env: env)
        #expect(t.status == 0, "\(t)")
        let v = CLI.run(["verify", "--ledger", ledger], env: env)
        #expect(v.status == 0, "\(v)")
    }
}
