// libwebp's decoder (Debian libwebp-dev). WebPGetFeatures is a static inline wrapper in the header.
#include <webp/decode.h>
