// Internal to the shim (not in include/): the assertion guard around ZXing calls, see assert_guard.c.
#ifndef PARCEL_STATION_ASSERT_GUARD_H
#define PARCEL_STATION_ASSERT_GUARD_H
#include <setjmp.h>
#ifdef __cplusplus
extern "C" {
#endif
void zxs_guard_enter(jmp_buf *target);
void zxs_guard_leave(void);
const char *zxs_guard_last_assertion(void);
#ifdef __cplusplus
}
#endif
#endif
