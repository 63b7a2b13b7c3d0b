// The C API of zxing_shim.h over ZXing-C++ 1.4 (Debian bookworm's libzxing-dev).
#include "zxing_shim.h"

#include "assert_guard.h"

#include <ZXing/ReadBarcode.h>

#include <csetjmp>

#include <cstdlib>
#include <cstring>
#include <new>

namespace {

struct Mapping {
    int ours;
    ZXing::BarcodeFormat theirs;
};

const Mapping mappings[] = {
    {ZXS_CODE128, ZXing::BarcodeFormat::Code128}, {ZXS_QRCODE, ZXing::BarcodeFormat::QRCode},
    {ZXS_EAN13, ZXing::BarcodeFormat::EAN13},     {ZXS_EAN8, ZXing::BarcodeFormat::EAN8},
    {ZXS_UPCA, ZXing::BarcodeFormat::UPCA},       {ZXS_UPCE, ZXing::BarcodeFormat::UPCE},
    {ZXS_ITF, ZXing::BarcodeFormat::ITF},         {ZXS_CODE39, ZXing::BarcodeFormat::Code39},
    {ZXS_DATAMATRIX, ZXing::BarcodeFormat::DataMatrix}, {ZXS_PDF417, ZXing::BarcodeFormat::PDF417},
    {ZXS_AZTEC, ZXing::BarcodeFormat::Aztec},     {ZXS_CODE93, ZXing::BarcodeFormat::Code93},
    {ZXS_CODABAR, ZXing::BarcodeFormat::Codabar},
};

ZXing::BarcodeFormats formatsFor(int symbologies) {
    ZXing::BarcodeFormats formats;
    for (const auto &m : mappings)
        if (symbologies & m.ours) formats |= m.theirs;
    return formats;
}

int symbologyOf(ZXing::BarcodeFormat format) {
    for (const auto &m : mappings)
        if (m.theirs == format) return m.ours;
    return ZXS_OTHER;
}

}  // namespace

namespace {

int read(const unsigned char *pixels, int width, int height, int row_stride, int symbologies, int options, int max_symbols,
         zxs_symbol **out) {
    try {
        ZXing::ImageView view(pixels, width, height, ZXing::ImageFormat::Lum, row_stride);
        ZXing::DecodeHints hints;
        hints.setFormats(formatsFor(symbologies));
        hints.setTryHarder((options & ZXS_TRY_HARDER) != 0);
        hints.setTryRotate((options & ZXS_TRY_ROTATE) != 0);
        hints.setTryDownscale((options & ZXS_TRY_DOWNSCALE) != 0);
        // ZXing 1.4 downscales only from a 500 px short side, so never the small crops its QR detector can
        // miss at full size (blurred, no quiet zone). From 200 px it reads one more blackbox/ QR code; steps of
        // a third read as many as halving and keep the extra layers small on large frames.
        hints.setDownscaleThreshold(200);
        hints.setDownscaleFactor(3);
        hints.setMaxNumberOfSymbols(static_cast<uint8_t>(max_symbols > 255 ? 255 : max_symbols));
        ZXing::Results results = ZXing::ReadBarcodes(view, hints);
        int count = 0;
        for (const auto &result : results)
            if (result.isValid()) count++;
        if (count == 0) return 0;
        auto *symbols = static_cast<zxs_symbol *>(std::calloc(static_cast<size_t>(count), sizeof(zxs_symbol)));
        if (symbols == nullptr) return -1;
        int index = 0;
        for (const auto &result : results) {
            if (!result.isValid()) continue;
            zxs_symbol &symbol = symbols[index++];
            symbol.symbology = symbologyOf(result.format());
            const ZXing::ByteArray &bytes = result.bytes();
            symbol.length = static_cast<int>(bytes.size());
            if (!bytes.empty()) {
                symbol.bytes = static_cast<unsigned char *>(std::malloc(bytes.size()));
                if (symbol.bytes == nullptr) {
                    zxs_free(symbols, index);
                    return -1;
                }
                std::memcpy(symbol.bytes, bytes.data(), bytes.size());
            }
            const auto &position = result.position();
            for (int corner = 0; corner < 4; corner++) {
                symbol.x[corner] = position[corner].x;
                symbol.y[corner] = position[corner].y;
            }
        }
        *out = symbols;
        return count;
    } catch (...) {
        return -1;
    }
}

}  // namespace

extern "C" int zxs_read(const unsigned char *pixels, int width, int height, int row_stride, int symbologies, int options,
                        int max_symbols, zxs_symbol **out) {
    if (out == nullptr) return -1;
    *out = nullptr;
    if (pixels == nullptr || width <= 0 || height <= 0 || row_stride < width || symbologies == 0 || max_symbols <= 0)
        return -1;
    // Every C++ object of the read lives in `read`'s frames: a failed assertion jumps over them (leaking what
    // they held, a rare and bounded cost) back to here, where nothing needs unwinding.
    static thread_local std::jmp_buf target;
    if (setjmp(target) != 0) return ZXS_ASSERTION_FAILED;
    zxs_guard_enter(&target);
    int count = read(pixels, width, height, row_stride, symbologies, options, max_symbols, out);
    zxs_guard_leave();
    return count;
}

extern "C" void zxs_free(zxs_symbol *symbols, int count) {
    if (symbols == nullptr) return;
    for (int index = 0; index < count; index++) std::free(symbols[index].bytes);
    std::free(symbols);
}
