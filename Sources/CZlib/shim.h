#ifndef CROWDLEDGER_CZLIB_SHIM_H
#define CROWDLEDGER_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 / inflateInit2 are function-like macros; Swift cannot import them.
static inline int crowdledger_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
static inline int crowdledger_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif
