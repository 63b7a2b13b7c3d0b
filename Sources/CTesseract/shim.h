// Tesseract's C API (Debian libtesseract-dev, 5.x): the OCR engine that reads the recipient's phone tail from a
// label photo. Only LabelDecoding imports this module (`internal import CTesseract`).
#include <tesseract/capi.h>
