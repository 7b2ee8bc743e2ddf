/*
 * crosswire-engines: the peer-engine half of Crosswire's comparison benchmark.
 *
 * Runs the same session scenarios as Crosswire's Swift benchmarks on
 * libsignal-protocol-c and libolm and prints one JSON object per line:
 *   {"scenario":"...","engine":"libsignal-c"|"libolm","ns_per_op":N,"min_ns":N,"max_ns":N[,"bytes":N][,"note":"..."]}
 * ns_per_op is the median over the repetitions of (batch time / batch size); min/max are the
 * extremes of the same per-repetition values.  Every decryption is checked against its plaintext.
 */
#include "bench.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int g_reps = 9;
static const char *g_scenario = NULL; /* NULL: all; else a comma-separated list */

static const char *const k_scenarios[] = {
    "setup", "encrypt_100", "decrypt_100", "encrypt_1k", "decrypt_1k", "pingpong",
    "group_encrypt_100", "group_decrypt_100", "ooo_decrypt", "record_bytes_setup", "wire_bytes_100",
    "encrypt_100_store", "decrypt_100_store", "encrypt_100_persisted", "decrypt_100_persisted",
};

/* Whether `name` is one of the comma-separated entries of `list`. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

int want(const char *scenario) { return g_scenario == NULL || in_list(g_scenario, scenario); }

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sample_add(samples *s, int rep, uint64_t ns, size_t ops)
{
    if (rep < 0 || s->n >= MAX_REPS) return;
    s->v[s->n++] = (double)ns / (double)ops;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void emit(const char *scenario, const char *engine, double med, double min, double max,
                 long long bytes, const char *note)
{
    printf("{\"scenario\":\"%s\",\"engine\":\"%s\",\"ns_per_op\":%.0f,\"min_ns\":%.0f,\"max_ns\":%.0f",
           scenario, engine, med, min, max);
    if (bytes >= 0) printf(",\"bytes\":%lld", bytes);
    if (note) printf(",\"note\":\"%s\"", note); /* notes are fixed ASCII without quotes */
    printf("}\n");
    fflush(stdout);
}

void emit_time(const char *scenario, const char *engine, const samples *s, const char *note)
{
    if (s->n == 0) die("%s/%s: no samples", engine, scenario);
    double v[MAX_REPS];
    memcpy(v, s->v, sizeof(double) * (size_t)s->n);
    qsort(v, (size_t)s->n, sizeof(double), cmp_double);
    /* Median; for an even count, the mean of the two middle values. */
    double med = (s->n & 1) ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
    emit(scenario, engine, med, v[0], v[s->n - 1], -1, note);
}

void emit_bytes(const char *scenario, const char *engine, size_t bytes, const char *note)
{
    emit(scenario, engine, 0, 0, 0, (long long)bytes, note);
}

void fill_plain(uint8_t *p, size_t len, uint32_t seq)
{
    uint32_t x = seq * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift32 */
        p[i] = (uint8_t)x;
    }
}

void check_plain(const char *engine, const char *what, const uint8_t *got, size_t got_len,
                 const uint8_t *want_p, size_t want_len)
{
    if (got_len != want_len || memcmp(got, want_p, want_len) != 0)
        die("%s: %s: decrypted plaintext does not match (got %zu bytes, expected %zu)",
            engine, what, got_len, want_len);
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("crosswire-engines: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void random_bytes(void *p, size_t len)
{
    if (len && RAND_bytes(p, (int)len) != 1) die("RAND_bytes failed");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: crosswire-engines [--json] [--scenario NAME[,NAME...]] [--engine libsignal-c|libolm] [--reps N]\n"
               "scenarios:");
    for (size_t i = 0; i < sizeof k_scenarios / sizeof *k_scenarios; i++) fprintf(f, " %s", k_scenarios[i]);
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    const char *engine = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            /* JSON lines are the only output format. */
        } else if (strcmp(a, "--scenario") == 0 && i + 1 < argc) {
            g_scenario = argv[++i];
        } else if (strcmp(a, "--engine") == 0 && i + 1 < argc) {
            engine = argv[++i];
        } else if (strcmp(a, "--reps") == 0 && i + 1 < argc) {
            g_reps = atoi(argv[++i]);
            if (g_reps < 1 || g_reps > MAX_REPS) die("--reps must be 1..%d", MAX_REPS);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (g_scenario) {
        /* Every entry of the list must be a known scenario. */
        for (const char *p = g_scenario; *p;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            int known = 0;
            for (size_t i = 0; i < sizeof k_scenarios / sizeof *k_scenarios; i++)
                known |= strlen(k_scenarios[i]) == len && strncmp(p, k_scenarios[i], len) == 0;
            if (!known) die("unknown scenario '%.*s' (see --help)", (int)len, p);
            if (!end) break;
            p = end + 1;
        }
    }
    if (engine && strcmp(engine, "libsignal-c") != 0 && strcmp(engine, "libolm") != 0)
        die("unknown engine '%s' (libsignal-c or libolm)", engine);

    if (!engine || strcmp(engine, "libsignal-c") == 0) run_libsignal();
    if (!engine || strcmp(engine, "libolm") == 0) run_libolm();
    return 0;
}
