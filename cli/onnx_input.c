/* onnx_input.c: opinfo-check reads ONNX QDQ models through the Python package's exporter
 * (bindings/python/opinfo/onnx_export.py, python3-onnx): a subprocess writes the qgraph to a
 * pipe, which is parsed under the model's own name. Without Python or onnx, a clear error. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opinfo.h"

#include "cli.h"

extern char **environ;

int cli_is_onnx(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && strcmp(path + n - 5, ".onnx") == 0;
}

static int has_package(const char *dir)
{
    char p[PATH_MAX];
    struct stat sb;
    int w = snprintf(p, sizeof p, "%s/opinfo/onnx_export.py", dir);
    return w > 0 && (size_t)w < sizeof p && stat(p, &sb) == 0;
}

/* Where the Python package is: $OPINFO_PYTHONPATH, installed beside the tool
 * (bin/../lib/python3/dist-packages), or the source tree (build/bin/../../bindings/python). */
static int package_dir(char *out, size_t n)
{
    const char *env = getenv("OPINFO_PYTHONPATH");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    const char *rel[] = {"/../lib/python3/dist-packages", "/../../bindings/python"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char d[PATH_MAX];
        int w = snprintf(d, sizeof d, "%s%s", exe, rel[i]);
        if (w > 0 && (size_t)w < sizeof d && has_package(d)) {
            snprintf(out, n, "%s", d);
            return 0;
        }
    }
    return -1;
}

/* Runs `py -m opinfo.onnx_export path` with env; its stdout into *out, its stderr into *err_out
 * (both malloc'd, NUL-terminated). Returns the exit status, -1 when it cannot run (errno in
 * *spawn_err). */
static int run_exporter(const char *py, const char *path, char **env, char **out, size_t *out_len,
                        char **err_out, int *spawn_err)
{
    int o[2], er[2];
    *out = NULL, *err_out = NULL, *out_len = 0;
    if (pipe(o) != 0)
        return *spawn_err = errno, -1;
    if (pipe(er) != 0) {
        close(o[0]), close(o[1]);
        return *spawn_err = errno, -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, o[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, er[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, o[0]);
    posix_spawn_file_actions_addclose(&fa, er[0]);
    posix_spawn_file_actions_addclose(&fa, o[1]);
    posix_spawn_file_actions_addclose(&fa, er[1]);
    char *argv[] = {(char *)py, "-m", "opinfo.onnx_export", (char *)path, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, py, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    close(o[1]), close(er[1]);
    if (rc != 0) {
        close(o[0]), close(er[0]);
        return *spawn_err = rc, -1;
    }
    /* both pipes at once, so that a long message on one never blocks the other */
    char *buf[2] = {NULL, NULL};
    size_t len[2] = {0, 0}, cap[2] = {0, 0};
    struct pollfd pf[2] = {{o[0], POLLIN, 0}, {er[0], POLLIN, 0}};
    int open_fds = 2, failed = 0;
    while (open_fds > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (len[i] + 65536 + 1 > cap[i]) {
                size_t nc = cap[i] ? cap[i] * 2 : 1 << 16;
                char *nb = realloc(buf[i], nc + 65536 + 1);
                if (!nb) {
                    failed = 1;
                    close(pf[i].fd), pf[i].fd = -1, open_fds--;
                    continue;
                }
                buf[i] = nb, cap[i] = nc + 65536 + 1;
            }
            ssize_t r = read(pf[i].fd, buf[i] + len[i], cap[i] - len[i] - 1);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(pf[i].fd), pf[i].fd = -1, open_fds--;
                continue;
            }
            len[i] += (size_t)r;
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    for (int i = 0; i < 2; i++)
        if (buf[i])
            buf[i][len[i]] = '\0';
    *out = buf[0], *out_len = len[0], *err_out = buf[1];
    if (failed)
        return 255;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

int cli_load_onnx(const char *path, opinfo_qgraph **out, opinfo_error_t *e)
{
    /* $OPINFO_PYTHON, else python3 on PATH, else the system's own (a python3 earlier on PATH,
     * from pyenv say, often lacks Debian's python3-onnx) */
    const char *given = getenv("OPINFO_PYTHON");
    const char *cands[2] = {given && *given ? given : "python3",
                            given && *given ? NULL : "/usr/bin/python3"};
    char pkg[PATH_MAX];
    if (package_dir(pkg, sizeof pkg) != 0) {
        fprintf(stderr, "%s: error: %s: reading ONNX models needs opinfo's Python package "
                        "(opinfo.onnx_export), which is not installed beside %s; set "
                        "OPINFO_PYTHONPATH to its directory\n", cli_prog, path, cli_prog);
        return OPINFO_ENOTFOUND;
    }
    /* the environment, with the package first on PYTHONPATH */
    size_t ne = 0;
    while (environ[ne])
        ne++;
    char **env = calloc(ne + 2, sizeof *env);
    const char *old = getenv("PYTHONPATH");
    size_t plen = strlen(pkg) + (old ? strlen(old) + 1 : 0) + 16;
    char *pp = malloc(plen);
    if (!env || !pp) {
        free(env), free(pp);
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return OPINFO_ENOMEM;
    }
    snprintf(pp, plen, "PYTHONPATH=%s%s%s", pkg, old && *old ? ":" : "", old && *old ? old : "");
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "PYTHONPATH=", 11) != 0)
            env[k++] = environ[i];
    env[k++] = pp;
    env[k] = NULL;

    char *text = NULL, *msg = NULL;
    size_t len = 0;
    int status = -1, spawn_err = 0;
    const char *py = cands[0];
    for (int i = 0; i < 2 && cands[i]; i++) {
        free(text), free(msg);
        py = cands[i];
        status = run_exporter(py, path, env, &text, &len, &msg, &spawn_err);
        if (status == 0 || (status != 3 && status != 1 && status != -1))
            break; /* done, or a real failure of the exporter on this file */
    }
    free(env);
    free(pp);
    int rc;
    if (status == 0 && text) {
        rc = opinfo_qgraph_parse(path, text, len, 0, out, e);
    } else {
        if (status == -1)
            fprintf(stderr, "%s: error: %s: reading ONNX models needs Python 3 with the onnx "
                            "package; %s cannot be run (%s; set OPINFO_PYTHON)\n",
                    cli_prog, path, py, strerror(spawn_err));
        else if (status == 3 || status == 1)
            fprintf(stderr, "%s: error: %s: reading ONNX models needs Python 3 with the onnx "
                            "package (python3-onnx): %s has none (set OPINFO_PYTHON)\n",
                    cli_prog, path, py);
        else {
            /* the exporter's own message names the file and the problem */
            const char *m = msg && *msg ? msg : "(no message)\n";
            const char *p = strstr(m, "opinfo.onnx_export: ");
            fprintf(stderr, "%s: error: %s", cli_prog, p ? p + 20 : m);
            if (!*m || m[strlen(m) - 1] != '\n')
                fputc('\n', stderr);
        }
        rc = OPINFO_EINPUT;
    }
    free(text), free(msg);
    return rc;
}
