#ifndef CROWDLEDGER_BENCH_LIBCRYPTO_H
#define CROWDLEDGER_BENCH_LIBCRYPTO_H
// OpenSSL's EVP Ed25519 verification, for `ledger-bench split` to time beside the library
// crowdledger checks signatures with (BoringSSL, through swift-crypto).
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
