/* Check time of generated LLM-like qgraphs next to the bare JSON parse of the same bytes.
 *   bench_check FILE...
 * For each file, the best of several runs of:
 *   parse      jansson parsing the text into a tree (json_loadb)
 *   parse+free the same, and freeing the tree: what any jansson program pays to read a file
 *   load       opinfo_qgraph_parse: the document read (jansson, element by element) and checked
 *              for well-formedness, every reference resolved
 *   check      load plus opinfo_check of every node against the database (SM8650)
 * and check time as a ratio of each baseline; then the peak RSS of opinfo-check checking the
 * file in a fresh process, next to the file's size. Figures only;
 * targets are judged by the reader. */


#define _DEFAULT_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "opinfo.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) {
        s[n] = '\0';
        *len = (size_t)n;
    }
    return s;
}

/* Peak RSS in KiB of opinfo-check (beside this program) checking path in a fresh process. */
static long child_rss(const char *self, const char *path)
{
    char tool[4096];
    const char *slash = strrchr(self, '/');
    snprintf(tool, sizeof tool, "%.*sopinfo-check", slash ? (int)(slash - self + 1) : 0, self);
    /* posix_spawn, not fork: a forked copy of this process would lend the child its resident
     * set, and Linux keeps that high-water mark across exec */
    char *args[] = {tool, "--quiet", "--backend", "qnn-htp", "--soc", "SM8650", (char *)path,
                    NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    extern char **environ;
    fflush(NULL);
    int spawned = posix_spawn(&pid, tool, &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (spawned != 0)
        return -1;
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) > 1)
        return -1;
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_check FILE...\n");
        return 2;
    }
    /* peak RSS first, while this process is small: Linux lends a spawned child the parent's
     * high-water mark at exec */
    long *rss = calloc((size_t)argc, sizeof *rss);
    for (int i = 1; rss && i < argc; i++)
        rss[i] = child_rss(argv[0], argv[i]);
    opinfo_db *db;
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK) {
        fprintf(stderr, "%s: %s\n", e.source, e.text);
        return 2;
    }
    printf("%-34s %8s %7s %9s %9s %9s %9s %8s %8s\n", "file", "nodes", "MB", "parse_s",
           "parse+free", "load_s", "check_s", "/parse", "/p+free");
    double prev_n = 0, prev_t = 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0; /* least squares of log time on log nodes */
    int fit = 0;
    for (int i = 1; i < argc; i++) {
        size_t len;
        char *text = slurp(argv[i], &len);
        if (!text) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 2;
        }
        int reps = len < (8u << 20) ? 7 : 3;
        double parse = 1e30, parse_free = 1e30, load = 1e30, total = 1e30;
        size_t nodes = 0, diags = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            json_error_t je;
            json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
            double t1 = now();
            if (!root) {
                fprintf(stderr, "%s: %s\n", argv[i], je.text);
                return 2;
            }
            json_decref(root);
            double t1b = now();
            if (t1 - t0 < parse)
                parse = t1 - t0;
            if (t1b - t0 < parse_free)
                parse_free = t1b - t0;
            opinfo_qgraph *g;
            opinfo_report *rep = opinfo_report_new();
            double t2 = now();
            if (opinfo_qgraph_parse(argv[i], text, len, 0, &g, &e) != OPINFO_OK) {
                fprintf(stderr, "%s:%d:%d: %s\n", e.source, e.line, e.column, e.text);
                return 2;
            }
            double t3 = now();
            opinfo_check_options o = {sizeof o, "qnn-htp", "SM8650", NULL,
                                      OPINFO_CHECK_NO_PLUGINS, 0, NULL};
            if (opinfo_check(db, g, &o, rep, &e) != OPINFO_OK) {
                fprintf(stderr, "%s: %s\n", e.source, e.text);
                return 2;
            }
            double t4 = now();
            nodes = opinfo_qgraph_node_count(g);
            diags = opinfo_report_count(rep);
            opinfo_qgraph_free(g);
            opinfo_report_free(rep);
            if (t3 - t2 < load)
                load = t3 - t2;
            if (t4 - t2 < total)
                total = t4 - t2;
        }
        printf("%-34s %8zu %7.1f %9.4f %9.4f %9.4f %9.4f %7.2fx %7.2fx\n", argv[i], nodes,
               (double)len / (1 << 20), parse, parse_free, load, total, total / parse,
               total / parse_free);
        if (diags)
            printf("  (%zu diagnostics)\n", diags);
        printf("  peak RSS of opinfo-check on it: %.1f MiB = %.2fx the file\n",
               (double)rss[i] / 1024, (double)rss[i] * 1024 / (double)len);
        if (prev_n > 0 && nodes > prev_n)
            printf("  log-log slope of check time against nodes since the previous file: %.3f\n",
                   (__builtin_log(total) - __builtin_log(prev_t)) /
                       (__builtin_log((double)nodes) - __builtin_log(prev_n)));
        prev_n = (double)nodes;
        prev_t = total;
        double lx = __builtin_log((double)nodes), ly = __builtin_log(total);
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
        fit++;
        free(text);
    }
    if (fit > 2)
        printf("log-log slope of check time against nodes, least squares over the %d files: "
               "%.3f\n", fit, (fit * sxy - sx * sy) / (fit * sxx - sx * sx));
    opinfo_db_close(db);
    free(rss);
    return 0;
}
