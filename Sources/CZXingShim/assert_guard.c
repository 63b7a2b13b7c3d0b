// Debian builds ZXing-C++ 1.4 with assertions on, and some of them fire on real photos (e.g. `lineCount() == 1`
// in Result::operator== when ZXing merges rotated or downscaled reads; zxing-cpp issues #516, #740). An
// assertion must not abort the daemon, so while a thread is inside `zxs_read` this definition of glibc's
// `__assert_fail` (it interposes libZXing's, which the executable exports) jumps back to `zxs_read`, which
// reports a failed read. Anywhere else it behaves as glibc's: print the message and abort.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "assert_guard.h"

static _Thread_local jmp_buf *zxs_guard_target = NULL;
static _Thread_local const char *zxs_guard_message = NULL;

void zxs_guard_enter(jmp_buf *target) {
    zxs_guard_target = target;
    zxs_guard_message = NULL;
}

void zxs_guard_leave(void) { zxs_guard_target = NULL; }

const char *zxs_guard_last_assertion(void) { return zxs_guard_message; }

void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) {
    jmp_buf *target = zxs_guard_target;
    if (target != NULL) {
        zxs_guard_target = NULL;
        zxs_guard_message = assertion;
        longjmp(*target, 1);
    }
    fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file ? file : "?", line, function ? function : "?",
            assertion ? assertion : "?");
    fflush(stderr);
    abort();
}
