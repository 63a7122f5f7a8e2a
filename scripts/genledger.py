# Generates a valid ledger of N transfers after the genesis a `crowdledger init` wrote.
# usage: genledger.py LEDGER KEY.pem TO_ACCOUNT N TIME
import sys, json, hashlib
from cryptography.hazmat.primitives.serialization import load_pem_private_key, Encoding, PublicFormat
ledger, keyfile, to, n, t = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
key = load_pem_private_key(open(keyfile, "rb").read(), None)
party = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
lines = open(ledger, "rb").read().split(b"\n")[:-1]
lid = json.loads(lines[0])["hash"]; prev = json.loads(lines[-1])["hash"]; seq = len(lines)
with open(ledger, "ab") as f:
    for i in range(1, n + 1):
        tx = {"body": {"amount": 1, "to": to}, "kind": "transfer", "ledger": lid, "nonce": i, "party": party}
        tx["sig"] = key.sign(b"crowdledger/v1/tx\n" + canon(tx)).hex()
        seq += 1
        e = {"link": prev, "seq": seq, "time": t, "tx": tx}
        e["hash"] = prev = hashlib.sha256(canon(e)).hexdigest()
        f.write(canon(e) + b"\n")
