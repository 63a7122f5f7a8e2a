import CanonicalJSON
import LedgerCrypto
import LedgerModel

/// Independently computed golden values for one genesis and one transfer (fixtures/keys README).
package enum Golden {
    package static let seed1 = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
    package static let account1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    package static let account2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
    package static let genesisHash = "183201eba3484a0c5028bc7956ca14d33743d1812d367486f891884f8c1cb712"
    package static let genesisLine = #"{"hash":"183201eba3484a0c5028bc7956ca14d33743d1812d367486f891884f8c1cb712","link":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"time":1700000000,"tx":{"body":{"allocations":{"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c":0,"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a":1000},"format":1,"name":"test"},"kind":"genesis"}}"#
    package static let transferSig = "15270213edc018b09d9238b2b7dd5226ea9beacb1b991307c3438fcc08e626fa4fda8b6213e8b104f47613e1119f6418ad2b807af6603d16e330232a5a369106"
    package static let transferID = "61b2a664c90f00f263ced81cee830f6a3a03f45b83f4b9fd7ba5ce323db01291"
    package static let transferMessage = "crowdledger/v1/tx\n" + #"{"body":{"amount":5,"to":"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"},"kind":"transfer","ledger":"183201eba3484a0c5028bc7956ca14d33743d1812d367486f891884f8c1cb712","nonce":1,"party":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}"#
    package static let transferHash = "de2e445a161952b7c18b41e39c975f0fa457b66baca1b651d2ca0eb13176a3c2"
    package static let transferLine = #"{"hash":"de2e445a161952b7c18b41e39c975f0fa457b66baca1b651d2ca0eb13176a3c2","link":"183201eba3484a0c5028bc7956ca14d33743d1812d367486f891884f8c1cb712","seq":2,"time":1700000060,"tx":{"body":{"amount":5,"to":"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"},"kind":"transfer","ledger":"183201eba3484a0c5028bc7956ca14d33743d1812d367486f891884f8c1cb712","nonce":1,"party":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a","sig":"15270213edc018b09d9238b2b7dd5226ea9beacb1b991307c3438fcc08e626fa4fda8b6213e8b104f47613e1119f6418ad2b807af6603d16e330232a5a369106"}}"#

    package static func genesis() -> Entry {
        Entry(seq: 1, link: Entry.zeroLink, time: 1_700_000_000,
              tx: Transaction(unsignedKind: .genesis, body: ["allocations": ["\(account1)": 1000, "\(account2)": 0], "format": 1, "name": "test"], ledger: nil))
    }

    package static func transfer() throws -> Entry {
        let key = try Ed25519.PrivateKey(seed: seed1)
        let tx = try Transaction(kind: .transfer, body: ["amount": 5, "to": .string(account2)], ledger: genesisHash, nonce: 1, key: key)
        return Entry(seq: 2, link: genesisHash, time: 1_700_000_060, tx: tx)
    }
}

