// libFlushLatency.so: preloaded (LD_PRELOAD) by `parcel-bench --flush-latency MS` into itself and the daemon it
// starts, so that every fsync and fdatasync first waits MS milliseconds and then flushes for real. It emulates a
// disk whose cache flush is slow (a spinning disk, a cheap SSD or eMMC of an old station PC) on a machine whose
// virtual disk acknowledges flushes almost at once; the benchmark's floors and the daemon pay the same wait.
// Nothing else is changed: every call still reaches the real function and returns its result.
#define _GNU_SOURCE
#include "flush_latency.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

static long delay_nanos;
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

__attribute__((constructor)) static void flush_latency_init(void) {
    const char *text = getenv("PARCEL_BENCH_FLUSH_MS");
    char *end = NULL;
    double millis = text ? strtod(text, &end) : 0;
    // Anything unreadable, negative or over a minute means no added latency; the benchmark times a flush
    // before it measures anything, so a latency that did not take is an error there, not a wrong figure.
    if (!text || end == text || *end != '\0' || !(millis >= 0 && millis <= 60000)) millis = 0;
    delay_nanos = (long)(millis * 1e6);
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
}

static void wait_for_flush(void) {
    if (delay_nanos <= 0) return;
    int saved = errno;
    struct timespec left = {delay_nanos / 1000000000L, delay_nanos % 1000000000L};
    while (nanosleep(&left, &left) == -1 && errno == EINTR) {}
    errno = saved;
}

// A flush from another library's constructor may come before ours has run: resolve on first use then.
int fsync(int fd) {
    if (!real_fsync) real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    wait_for_flush();
    return real_fsync(fd);
}

int fdatasync(int fd) {
    if (!real_fdatasync) real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    wait_for_flush();
    return real_fdatasync(fd);
}
