// zbar's C API (Debian libzbar-dev). Only LabelDecoding imports this module.
#include <zbar.h>
