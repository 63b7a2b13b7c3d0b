#ifndef PARCEL_STATION_FLUSH_LATENCY_H
#define PARCEL_STATION_FLUSH_LATENCY_H

/// The flush latency this library adds to every fsync/fdatasync, in milliseconds (from
/// PARCEL_BENCH_FLUSH_MS when the library was loaded; 0 when unset or invalid).
double parcel_flush_latency_ms(void);

#endif
