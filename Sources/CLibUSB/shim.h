// libusb-1.0 for Swift. pkg-config `libusb-1.0` adds .../include/libusb-1.0 to the include path.
#include <libusb.h>
