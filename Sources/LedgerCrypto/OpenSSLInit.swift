import COpenSSL

/// libcrypto, initialised once before its first use, explicitly and without reading the system's
/// OpenSSL configuration file (`openssl.cnf`, or `$OPENSSL_CONF`): the tool's cryptography
/// (Ed25519, SHA-256, SHA-512 inside Ed25519, the CSPRNG, base64) uses only OpenSSL's built-in
/// default provider and needs no configuration, so what it computes or accepts cannot depend on a
/// machine's configuration (a provider, an engine or a property query it names), and start-up
/// does not parse that file (a sixth of a whole `transfer`'s instructions). Without this, libcrypto
/// initialises itself on first use and loads the file.
///
/// `OPENSSL_INIT_NO_ATEXIT`: no clean-up handler at exit; the process's memory goes with it.
///
/// `OPENSSL_INIT_NO_ADD_ALL_CIPHERS`, `..._DIGESTS`: the legacy tables of every cipher and digest
/// by name are never filled. OpenSSL 3 fills them (and copies every name into the provider name
/// map) on its first algorithm fetch, 2.8 M instructions of a `transfer`'s 27 M; the tool fetches
/// only by provider names (ED25519, SHA256), which the default provider declares itself. An
/// encrypted key is still refused with the same message (tests hold it).
enum OpenSSL {
    /// Every entry point into libcrypto evaluates this first (a global `let`: initialised once,
    /// thread-safely, on first access).
    static let ready: Bool = {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS), nil) == 1
    }()

    /// Initialises libcrypto if nothing did yet (cheap after the first call).
    @inline(__always) static func initialise() { _ = ready }
}
