/*
 * outfile.c: the one way opinfo writes an output file (reports, fixed qgraphs and overrides,
 * exported constraint data, .npy tensors). Self-contained (libc only), so the command-line tools
 * link it directly as well as the library.
 *
 * What is at PATH decides how it is written (docs/hardening.md, "Output files"):
 *   - "-": standard output, written straight.
 *   - nothing, or a regular file: a new file is created beside it with O_CREAT|O_EXCL|O_NOFOLLOW
 *     under a random name (".NAME.XXXXXXXX" in PATH's directory, opened once as a directory
 *     descriptor), written, fsync'd, closed and renamed over PATH. A reader sees the old file or
 *     the new one, never a mixture; of two concurrent writers the last rename wins, and each
 *     leaves a complete file. A planted file or symlink at any name we might pick makes
 *     O_EXCL fail and another name is drawn: nothing is ever followed.
 *   - a character device or a FIFO (/dev/null, /dev/stdout's target, a pipe): opened and written
 *     straight; it is never replaced by a regular file.
 *   - a symlink: when it resolves to a character device or a FIFO, written through (so
 *     /dev/stdout and /dev/stderr work); otherwise the link itself is replaced by the new file,
 *     and whatever it pointed to is left untouched.
 *   - a directory, a block device, a socket: refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int say(char *msg, size_t n, const char *fmt, ...) OPINFO_PRINTF(3, 4);
static int say(char *msg, size_t n, const char *fmt, ...)
{
    int saved = errno;
    if (msg && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, n, fmt, ap);
        va_end(ap);
    }
    errno = saved;
    return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static uint64_t random_bits(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
    /* no entropy yet (early boot): the name only has to be unlikely; O_EXCL makes it safe */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    static unsigned counter;
    r = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)ts.tv_sec << 20 ^
        (uint64_t)getpid() << 40 ^ (uint64_t)++counter * 0xBF58476D1CE4E5B9u;
    return r;
}

static int write_parts(int fd, const void *const *parts, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lens[i] && write_all(fd, parts[i], lens[i]) != 0)
            return -1;
    return 0;
}

/* Straight into a device or FIFO (following a symlink to it when follow is set). */
static int write_direct(const char *path, int follow, const void *const *parts,
                        const size_t *lens, size_t n, char *msg, size_t msgsize)
{
    int fd;
    do
        fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return say(msg, msgsize, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !(S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode))) {
        close(fd);
        errno = EAGAIN;
        return say(msg, msgsize, "%s: changed while it was being opened; not writing", path);
    }
    if (write_parts(fd, parts, lens, n) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return say(msg, msgsize, "%s: cannot write: %s", path, strerror(e));
    }
    if (close(fd) != 0 && errno != EINTR)
        return say(msg, msgsize, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* A new file beside path, renamed over it. */
static int write_replace(const char *path, const struct stat *old, const void *const *parts,
                         const size_t *lens, size_t n, char *msg, size_t msgsize)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    if (!*base) {
        errno = EISDIR;
        return say(msg, msgsize, "%s: is a directory", path);
    }
    char *dir = malloc(dlen + 2), *tmp = malloc(strlen(base) + 32);
    if (!dir || !tmp) {
        free(dir), free(tmp);
        errno = ENOMEM;
        return say(msg, msgsize, "%s: out of memory", path);
    }
    if (slash && dlen == 0)
        strcpy(dir, "/");
    else if (slash)
        memcpy(dir, path, dlen), dir[dlen] = '\0';
    else
        strcpy(dir, ".");
    int rc = -1, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
    if (dfd < 0) {
        say(msg, msgsize, "%s: cannot open its directory %s: %s", path, dir, strerror(errno));
        goto out;
    }
    for (int tries = 0; tries < 64; tries++) {
        /* at most 200 bytes of the name: the temporary name must fit NAME_MAX too */
        snprintf(tmp, strlen(base) + 32, ".%.200s.%016llx", base,
                 (unsigned long long)random_bits());
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        say(msg, msgsize, "%s: cannot create a file in %s: %s", path, dir, strerror(errno));
        goto out;
    }
    /* keep the permissions of the file being replaced (when it is ours to set) */
    if (old && S_ISREG(old->st_mode))
        (void)fchmod(fd, old->st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID));
    int e = 0;
    if (write_parts(fd, parts, lens, n) != 0 || fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e && errno != EINTR)
        e = errno;
    if (!e && renameat(dfd, tmp, dfd, base) != 0)
        e = errno;
    if (e) {
        unlinkat(dfd, tmp, 0);
        errno = e;
        say(msg, msgsize, "%s: cannot write: %s", path, strerror(e));
        goto out;
    }
    (void)fsync(dfd); /* the rename itself on disk; some file systems refuse, which is harmless */
    rc = 0;
out:
    if (dfd >= 0)
        close(dfd);
    free(dir), free(tmp);
    return rc;
}

int oi_outfile_writev(const char *path, const void *const *parts, const size_t *lens, size_t n,
                      char *msg, size_t msgsize)
{
    if (msg && msgsize)
        msg[0] = '\0';
    if (!path || !*path) {
        errno = EINVAL;
        return say(msg, msgsize, "no output file named");
    }
    if (strcmp(path, "-") == 0) {
        if (write_parts(STDOUT_FILENO, parts, lens, n) != 0)
            return say(msg, msgsize, "<stdout>: cannot write: %s", strerror(errno));
        return 0;
    }
    struct stat lsb, sb;
    if (lstat(path, &lsb) != 0) {
        if (errno != ENOENT)
            return say(msg, msgsize, "%s: %s", path, strerror(errno));
        return write_replace(path, NULL, parts, lens, n, msg, msgsize);
    }
    if (S_ISREG(lsb.st_mode))
        return write_replace(path, &lsb, parts, lens, n, msg, msgsize);
    if (S_ISCHR(lsb.st_mode) || S_ISFIFO(lsb.st_mode))
        return write_direct(path, 0, parts, lens, n, msg, msgsize);
    if (S_ISLNK(lsb.st_mode)) {
        if (stat(path, &sb) == 0 && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)))
            return write_direct(path, 1, parts, lens, n, msg, msgsize);
        /* the link is replaced; what it points to is not written */
        return write_replace(path, NULL, parts, lens, n, msg, msgsize);
    }
    if (S_ISDIR(lsb.st_mode)) {
        errno = EISDIR;
        return say(msg, msgsize, "%s: is a directory", path);
    }
    errno = EINVAL;
    return say(msg, msgsize, "%s: is a %s, not a file to write a report to", path,
               S_ISBLK(lsb.st_mode) ? "block device" : S_ISSOCK(lsb.st_mode) ? "socket"
                                                                             : "special file");
}

int oi_outfile_write(const char *path, const void *data, size_t len, char *msg, size_t msgsize)
{
    const void *parts[1] = {data};
    size_t lens[1] = {len};
    return oi_outfile_writev(path, parts, lens, 1, msg, msgsize);
}
