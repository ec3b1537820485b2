/* Runs a fuzz target's LLVMFuzzerTestOneInput on files, without libFuzzer: each argument is a
 * file, or a directory whose files are each run (sorted, dot files skipped). Built with the
 * normal compiler, so `make test` replays tests/fuzz/regressions/ under the ASan and valgrind
 * builds as well. Exits 0 when every input ran; a crash is the sanitizer's or the target's. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return 1;
    }
    /* an exact-size copy, as libFuzzer hands it: a read past the end shows under ASan */
    unsigned char *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int bad = 0;
    size_t runs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(sb.st_mode)) {
            bad |= run_file(argv[i]);
            runs++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            return 1;
        }
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char **q = realloc(names, (n + 1) * sizeof *q);
            if (!q || !(q[n] = strdup(de->d_name))) {
                fprintf(stderr, "out of memory\n");
                return 1;
            }
            names = q;
            n++;
        }
        closedir(d);
        if (n)
            qsort(names, n, sizeof *names, cmp);
        for (size_t k = 0; k < n; k++) {
            size_t l = strlen(argv[i]) + strlen(names[k]) + 2;
            char *path = malloc(l);
            if (!path)
                return 1;
            snprintf(path, l, "%s/%s", argv[i], names[k]);
            bad |= run_file(path);
            runs++;
            free(path);
            free(names[k]);
        }
        free(names);
    }
    fprintf(stderr, "replayed %zu inputs\n", runs);
    return bad;
}
