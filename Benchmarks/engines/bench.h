/* Shared harness for crosswire-engines: timing, statistics, JSON output, scenario filter. */
#ifndef CROSSWIRE_ENGINES_BENCH_H
#define CROSSWIRE_ENGINES_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define MAX_REPS 101

/* Repetitions measured per scenario (after one warm-up repetition that is discarded). */
extern int g_reps;

/* 1 if the scenario passes the --scenario filter. */
int want(const char *scenario);

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/* Per-repetition ns/op samples of one scenario. */
typedef struct {
    double v[MAX_REPS];
    int n;
} samples;

/* Record one repetition: `ns` spent on `ops` operations (ignored while rep < 0, i.e. warm-up). */
void sample_add(samples *s, int rep, uint64_t ns, size_t ops);

/* Print one JSON line with the median / min / max of the samples; note may be NULL. */
void emit_time(const char *scenario, const char *engine, const samples *s, const char *note);

/* Print one JSON line for a size scenario (ns fields are 0); note may be NULL. */
void emit_bytes(const char *scenario, const char *engine, size_t bytes, const char *note);

/* Deterministic plaintext for message number `seq` (so reordering bugs are caught). */
void fill_plain(uint8_t *p, size_t len, uint32_t seq);

/* Compare a decrypted message with the expected plaintext; abort with context on mismatch. */
void check_plain(const char *engine, const char *what, const uint8_t *got, size_t got_len,
                 const uint8_t *want_p, size_t want_len);

/* Print a message to stderr and exit(1). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Fill with cryptographically secure random bytes (OpenSSL RAND_bytes). */
void random_bytes(void *p, size_t len);

/* Engines. */
void run_libsignal(void);
void run_libolm(void);

#endif
