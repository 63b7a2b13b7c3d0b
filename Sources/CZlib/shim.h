// zlib (Debian zlib1g-dev, already there for libpng-dev): deflate for the QR-carried documents.
#include <zlib.h>
