public import LedgerModel

/// A request the client refuses before anything reaches the ledger: bad input (`.usage`) or a
/// transaction that cannot be valid (`.invalid`). Nothing was written. The CLI maps the kind to
/// its exit status.
public typealias ClientError = Diagnostic
