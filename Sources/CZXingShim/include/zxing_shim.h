// A tiny C API over ZXing-C++ (Debian libzxing-dev), so Swift never sees a C++ type. Only LabelDecoding
// imports this module (`internal import CZXingShim`).
#ifndef PARCEL_STATION_ZXING_SHIM_H
#define PARCEL_STATION_ZXING_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

/// Symbologies, as bit flags (our own values; the shim maps them to ZXing's).
enum {
    ZXS_CODE128 = 1 << 0,
    ZXS_QRCODE = 1 << 1,
    ZXS_EAN13 = 1 << 2,
    ZXS_EAN8 = 1 << 3,
    ZXS_UPCA = 1 << 4,
    ZXS_UPCE = 1 << 5,
    ZXS_ITF = 1 << 6,
    ZXS_CODE39 = 1 << 7,
    ZXS_DATAMATRIX = 1 << 8,
    ZXS_PDF417 = 1 << 9,
    ZXS_AZTEC = 1 << 10,
    ZXS_CODE93 = 1 << 11,
    ZXS_CODABAR = 1 << 12,
    ZXS_OTHER = 1 << 30,
};

/// Options for one read.
enum {
    ZXS_TRY_HARDER = 1 << 0,
    ZXS_TRY_ROTATE = 1 << 1,
    /// Also reads copies scaled to a third (and a third of those) while the short side is over 200 px.
    ZXS_TRY_DOWNSCALE = 1 << 2,
};

/// One symbol found: its symbology (one ZXS_ flag), its raw bytes (content without character-set conversion)
/// and the corners of its position (top-left, top-right, bottom-right, bottom-left) in image pixels.
typedef struct zxs_symbol {
    int symbology;
    unsigned char *bytes;
    int length;
    int x[4];
    int y[4];
} zxs_symbol;

/// `zxs_read`'s result when one of ZXing's internal assertions failed (Debian builds it with assertions on):
/// the read is abandoned instead of aborting the process.
#define ZXS_ASSERTION_FAILED (-2)

/// Reads the codes of `symbologies` (ZXS_ flags) in an 8-bit grey image of `width`×`height` pixels, rows
/// `row_stride` bytes apart. The pixels are only read during the call. On success returns the number of symbols
/// and, when it is above 0, sets `*out` to an array that the caller frees with `zxs_free`. Returns -1 on bad
/// arguments or when ZXing fails (no C++ exception ever leaves the shim), ZXS_ASSERTION_FAILED when an
/// assertion inside ZXing failed. Thread-safe: no shared state.
int zxs_read(const unsigned char *pixels, int width, int height, int row_stride, int symbologies, int options,
             int max_symbols, zxs_symbol **out);

/// Frees what `zxs_read` returned.
void zxs_free(zxs_symbol *symbols, int count);

#ifdef __cplusplus
}
#endif

#endif
