#ifndef CROWDLEDGER_COPENSSL_SHIM_H
#define CROWDLEDGER_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/objects.h>

// Function-like macros are not imported by Swift; wrap the ones we use.
static inline void crowdledger_OPENSSL_free(void *p) { OPENSSL_free(p); }

static inline long crowdledger_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }

#endif
