// libjpeg-turbo's TurboJPEG API (Debian libturbojpeg0-dev): header-only probing and DCT-scaled decoding.
#include <turbojpeg.h>
