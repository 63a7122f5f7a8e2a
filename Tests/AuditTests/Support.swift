import Files
import Client
import Foundation
import TestSupport
import LedgerCrypto

let digitsPath = fixturePath("data/digits.csv.gz")

