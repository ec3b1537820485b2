/* shared_with chains: load and check time of a qgraph where every tensor shares the previous
 * one's quantization (t0 <- t1 <- ... <- tN-1, one view node between each pair), at each size
 * given, and the log-log slope (least squares) of the time against the size.
 *   bench_chain [--max-slope S] N...
 * Exits 1 when the slope is above S (default 1.4): resolving the chains must stay linear, and a
 * quadratic resolution has a slope near 2. The slope is a ratio of two times on one machine, so
 * it does not depend on the machine's speed; a busy machine moves it by a few hundredths. */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opinfo.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The chain of n tensors as qgraph text; free() it. */
static char *chain(size_t n, size_t *len)
{
    size_t cap = 256 + n * 200, used = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
#define PUT(...) used += (size_t)snprintf(s + used, cap - used, __VA_ARGS__)
    PUT("{\"qgraph\": 1, \"tensors\": [\n"
        "{\"name\": \"t0\", \"dtype\": \"uint8\", \"qscheme\": \"per_tensor_affine\", "
        "\"scale\": 0.02, \"zero_point\": 128}");
    for (size_t i = 1; i < n; i++)
        PUT(",\n{\"name\": \"t%zu\", \"dtype\": \"uint8\", \"shared_with\": \"t%zu\"}", i, i - 1);
    PUT("],\n\"nodes\": [");
    for (size_t i = 1; i < n; i++)
        PUT("%s\n{\"name\": \"v%zu\", \"op\": \"aten.view.default\", \"inputs\": [\"t%zu\"], "
            "\"outputs\": [\"t%zu\"]}",
            i > 1 ? "," : "", i, i - 1, i);
    PUT("]}\n");
#undef PUT
    *len = used;
    return s;
}

/* One load, and load plus check, in seconds. */
static int run(opinfo_db *db, const char *text, size_t len, size_t n, double *load_s,
               double *check_s)
{
    opinfo_error_t e;
    opinfo_error_init(&e);
    opinfo_qgraph *g;
    double t0 = now();
    if (opinfo_qgraph_parse("chain", text, len, 0, &g, &e) != OPINFO_OK) {
        fprintf(stderr, "chain of %zu: %s:%d:%d: %s\n", n, e.source, e.line, e.column, e.text);
        return -1;
    }
    double t1 = now();
    opinfo_report *rep = opinfo_report_new();
    opinfo_check_options o = {.size = sizeof o, .backend = "qnn-htp", .soc = "SM8650",
                              .flags = OPINFO_CHECK_NO_PLUGINS};
    int rc = rep ? opinfo_check(db, g, &o, rep, &e) : OPINFO_ENOMEM;
    double t2 = now();
    opinfo_report_free(rep);
    opinfo_qgraph_free(g);
    if (rc != OPINFO_OK) {
        fprintf(stderr, "chain of %zu: check: %s\n", n, e.text);
        return -1;
    }
    *load_s = t1 - t0;
    *check_s = t2 - t0;
    return 0;
}

#define MAX_SIZES 8
#define ROUNDS 5

int main(int argc, char **argv)
{
    double max_slope = 1.4;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--max-slope") == 0) {
        max_slope = atof(argv[a + 1]);
        a += 2;
    }
    int k = argc - a;
    if (k < 2 || k > MAX_SIZES) {
        fprintf(stderr, "usage: bench_chain [--max-slope S] N N... (2 to %d sizes)\n", MAX_SIZES);
        return 2;
    }
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK) {
        fprintf(stderr, "bench_chain: %s\n", e.text);
        return 2;
    }
    size_t n[MAX_SIZES], len[MAX_SIZES];
    char *text[MAX_SIZES] = {NULL};
    double load[MAX_SIZES], check[MAX_SIZES];
    int rc = 0;
    for (int i = 0; i < k && !rc; i++) {
        n[i] = (size_t)strtoull(argv[a + i], NULL, 10);
        load[i] = check[i] = 1e30;
        if (n[i] < 2 || !(text[i] = chain(n[i], &len[i])))
            rc = 2;
    }
    /* the sizes take turns, so that a busy spell of the machine hits every size alike; the best
     * of the rounds counts */
    for (int r = 0; r < ROUNDS && !rc; r++)
        for (int i = 0; i < k && !rc; i++) {
            double l, c;
            if (run(db, text[i], len[i], n[i], &l, &c) != 0)
                rc = 2;
            else {
                load[i] = l < load[i] ? l : load[i];
                check[i] = c < check[i] ? c : check[i];
            }
        }
    for (int i = 0; i < k; i++)
        free(text[i]);
    opinfo_db_close(db);
    if (rc)
        return rc;
    printf("shared_with chain (every tensor shares the previous one's), best of %d\n", ROUNDS);
    printf("%10s %10s %10s\n", "tensors", "load_s", "check_s");
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < k; i++) {
        printf("%10zu %10.4f %10.4f\n", n[i], load[i], check[i]);
        double x = log((double)n[i]), y = log(check[i]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
    printf("  log-log slope of check time against tensors (least squares): %.3f (limit %.2f)\n",
           slope, max_slope);
    if (!(slope <= max_slope)) {
        fprintf(stderr, "bench_chain: slope %.3f above %.2f: shared_with resolution is not linear\n",
                slope, max_slope);
        return 1;
    }
    return 0;
}
