#ifndef PARCEL_STATION_FLUSH_LATENCY_H
#define PARCEL_STATION_FLUSH_LATENCY_H

// libFlushLatency.so exports nothing of its own: preloaded, it replaces fsync and fdatasync with versions that
// first wait PARCEL_BENCH_FLUSH_MS milliseconds (see flush_latency.c).

#endif
