// libpng's simplified API (Debian libpng-dev). It catches libpng's longjmp errors itself and returns 0, so
// no setjmp ever crosses into Swift.
#include <png.h>

static inline size_t parcel_png_row_stride(const png_image *image) { return PNG_IMAGE_ROW_STRIDE(*image); }
