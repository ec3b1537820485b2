/* The plugin loader: finds backend plugins on the search path, dlopens them lazily
 * (RTLD_NOW | RTLD_LOCAL), checks their ABI and descriptor, and refuses with a reason whatever is
 * not right. Every handle is closed on every failure path and at opinfo_plugins_close. It knows
 * nothing of the database or the validator; they reach plugins only through what it returns. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/internal.h"
#include "loader_internal.h"
#include "opinfo/plugin.h"

#ifndef OPINFO_PLUGINDIR
#define OPINFO_PLUGINDIR "/usr/local/lib/opinfo/plugins"
#endif

typedef struct entry {
    char *path;
    char *backend;  /* the file's stem: the backend it was looked up for */
    void *handle;
    opinfo_plugin_base *base;
    const opinfo_plugin *plugin;
    char *why;      /* NULL when loaded */
    int nomem;      /* loading ran out of memory: neither loaded nor refused */
    int got;        /* the file opinfo_plugins_get found for backend: asked again, the answer */
} entry;

struct opinfo_plugins {
    char **dirs;
    size_t ndirs;
    size_t flags;
    entry *e;
    size_t n, cap;
    opinfo_host_api api;
    size_t log_lines; /* messages plugins logged (kept out of stdout/stderr) */
    opinfo_rule_info *rules; /* opinfo_plugins_rules: the loaded plugins' documented rules */
    size_t nrules;
};

static const char abi_string[] = "1.2";
_Static_assert(OPINFO_PLUGIN_ABI_MAJOR == 1 && OPINFO_PLUGIN_ABI_MINOR == 2,
               "abi_string follows the ABI version");

const char *opinfo_plugin_abi_version(void) { return abi_string; }

/* ---- the host table as a plugin sees it during its entry --------------------------------------- */

static void host_log(void *host, int level, const char *message)
{
    (void)level;
    (void)message;
    opinfo_plugins *p = host;
    if (p)
        p->log_lines++;
}

/* Node and database functions are bound per check by the validator; during the entry there is
 * no node and no database, and these say so. */
static void no_emit(void *host, const opinfo_plugin_node *n, const char *rule, const char *t,
                    const char *m, const char *f)
{
    (void)host, (void)n, (void)rule, (void)t, (void)m, (void)f;
}
static const char *no_str(const opinfo_plugin_node *n) { (void)n; return NULL; }
static size_t no_count(const opinfo_plugin_node *n) { (void)n; return 0; }
static int no_tensor(const opinfo_plugin_node *n, size_t i, opinfo_plugin_tensor *o)
{
    (void)n, (void)i, (void)o;
    return -1;
}
static int no_rank(void *host, const char *soc) { (void)host, (void)soc; return -1; }
static const char *no_op(void *host, const char *op) { (void)host, (void)op; return NULL; }

/* ---- search path ---------------------------------------------------------------------------- */

static int add_dir(opinfo_plugins *p, const char *d, size_t len)
{
    if (len == 0) /* an empty PATH component would mean the current directory: never implicitly */
        return 0;
    char **nd = realloc(p->dirs, (p->ndirs + 1) * sizeof *nd);
    if (!nd)
        return -1;
    p->dirs = nd;
    char *s = malloc(len + 1);
    if (!s)
        return -1;
    memcpy(s, d, len);
    s[len] = '\0';
    p->dirs[p->ndirs++] = s;
    return 0;
}

static int installed_dir(char *out, size_t n)
{
    Dl_info info;
    if (dladdr((void *)&opinfo_plugins_open, &info) && info.dli_fname) {
        const char *slash = strrchr(info.dli_fname, '/');
        if (slash) {
            int w = snprintf(out, n, "%.*s/opinfo/plugins", (int)(slash - info.dli_fname),
                             info.dli_fname);
            struct stat sb;
            if (w > 0 && (size_t)w < n && stat(out, &sb) == 0 && S_ISDIR(sb.st_mode))
                return 0;
        }
    }
    snprintf(out, n, "%s", OPINFO_PLUGINDIR);
    return 0;
}

int opinfo_plugins_open(const char *const *dirs, size_t n_dirs, size_t flags,
                        opinfo_plugins **out, opinfo_error_t *err)
{
    if (!out || (n_dirs && !dirs))
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_plugins_open: NULL argument");
    opinfo_plugins *p = calloc(1, sizeof *p);
    if (!p)
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    p->flags = flags;
    int bad = 0;
    for (size_t i = 0; i < n_dirs && !bad; i++)
        bad = dirs[i] && add_dir(p, dirs[i], strlen(dirs[i]));
    if (!(flags & OPINFO_PLUGINS_ONLY_GIVEN)) {
        const char *env = getenv("OPINFO_PLUGIN_PATH");
        while (env && *env && !bad) {
            const char *colon = strchr(env, ':');
            size_t len = colon ? (size_t)(colon - env) : strlen(env);
            bad = add_dir(p, env, len);
            env = colon ? colon + 1 : env + len;
        }
        char inst[PATH_MAX];
        installed_dir(inst, sizeof inst);
        if (!bad)
            bad = add_dir(p, inst, strlen(inst));
    }
    if (bad) {
        opinfo_plugins_close(p);
        return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    }
    opinfo_host_api *a = &p->api;
    a->size = sizeof *a;
    a->abi_major = OPINFO_PLUGIN_ABI_MAJOR;
    a->abi_minor = OPINFO_PLUGIN_ABI_MINOR;
    a->log = host_log;
    a->emit = no_emit;
    a->node_name = no_str;
    a->node_op = no_str;
    a->node_input_count = no_count;
    a->node_output_count = no_count;
    a->node_input = no_tensor;
    a->node_output = no_tensor;
    a->soc_arch_rank = no_rank;
    a->canonical_op = no_op;
    *out = p;
    return OPINFO_OK;
}

static void unload(entry *e)
{
    if (e->handle)
        dlclose(e->handle);
    e->handle = NULL;
    e->plugin = NULL;
    free(e->base);
    e->base = NULL;
}

void opinfo_plugins_close(opinfo_plugins *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        unload(&p->e[i]);
        free(p->e[i].path);
        free(p->e[i].backend);
        free(p->e[i].why);
    }
    free(p->e);
    for (size_t i = 0; i < p->ndirs; i++)
        free(p->dirs[i]);
    free(p->dirs);
    free(p->rules);
    free(p);
}

/* ---- loading one file ------------------------------------------------------------------------ */

static char *why(const char *fmt, ...) OPINFO_PRINTF(1, 2);
static char *why(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return oi_strdup(buf);
}

static int nonempty(const char *s) { return s && *s; }

char *oi_plugin_check_descriptor(const opinfo_plugin *d, const char *path)
{
    if (d->abi_major != OPINFO_PLUGIN_ABI_MAJOR || d->abi_minor > OPINFO_PLUGIN_ABI_MINOR)
        return why("%s: the plugin was built for another ABI (plugin: %u.%u, host: %d.%d), not "
                   "loading",
                   path, d->abi_major, d->abi_minor, OPINFO_PLUGIN_ABI_MAJOR,
                   OPINFO_PLUGIN_ABI_MINOR);
    if (!nonempty(d->name))
        return why("%s: plugin descriptor has no name, not loading", path);
    if (!nonempty(d->version))
        return why("%s: plugin descriptor of %s has no version, not loading", path, d->name);
    if (!d->backends || !nonempty(d->backends[0]))
        return why("%s: plugin descriptor of %s lists no backend, not loading", path, d->name);
    for (size_t i = 0; d->backends[i]; i++)
        if (!nonempty(d->backends[i]) || strchr(d->backends[i], '/'))
            return why("%s: plugin %s: backend %zu is not a valid name, not loading", path,
                       d->name, i);
    if (d->n_kernels && !d->kernels)
        return why("%s: plugin %s declares %zu kernels but no table, not loading", path, d->name,
                   d->n_kernels);
    for (size_t i = 0; i < d->n_kernels; i++)
        if (!nonempty(d->kernels[i].name) || !d->kernels[i].fn)
            return why("%s: plugin %s: kernel %zu has no name or function, not loading", path,
                       d->name, i);
    if (d->abi_minor >= 1 && d->kernel_signatures)
        for (size_t i = 0; i < d->n_kernels; i++)
            if (!d->kernel_signatures[i])
                return why("%s: plugin %s: kernel %s has no signature, not loading", path,
                           d->name, d->kernels[i].name);
    if (d->constraints_len && !d->constraints)
        return why("%s: plugin %s declares constraint data but gives none, not loading", path,
                   d->name);
    for (size_t i = 0; oi_plugin_rule_at(d, i); i++) {
        const opinfo_plugin_rule *r = oi_plugin_rule_at(d, i);
        const char *slash = r->id ? strchr(r->id, '/') : NULL;
        int ok = slash && slash[1];
        for (const char *c = slash ? slash + 1 : ""; ok && *c; c++)
            ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
        /* the id's owner: the plugin's name or a backend it serves, so it can never be a
         * built-in rule's id or another plugin's */
        int owner = 0;
        for (size_t b = 0; ok && !owner && d->backends[b]; b++)
            owner = strlen(d->backends[b]) == (size_t)(slash - r->id) &&
                    strncmp(r->id, d->backends[b], (size_t)(slash - r->id)) == 0;
        owner = owner || (ok && strlen(d->name) == (size_t)(slash - r->id) &&
                          strncmp(r->id, d->name, (size_t)(slash - r->id)) == 0);
        if (!ok || !owner)
            return why("%s: plugin %s: rule %zu's id is not %s/NAME (NAME of a-z, 0-9, -), not "
                       "loading",
                       path, d->name, i, d->backends[0]);
        if (!nonempty(r->summary))
            return why("%s: plugin %s: rule %s has no summary, not loading", path, d->name,
                       r->id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(oi_plugin_rule_at(d, k)->id, r->id) == 0)
                return why("%s: plugin %s: rule %s is described twice, not loading", path,
                           d->name, r->id);
    }
    return NULL;
}

const opinfo_plugin_rule *oi_plugin_rule_at(const opinfo_plugin *d, size_t i)
{
    if (!d || d->abi_minor < 2 || !d->rules)
        return NULL;
    return d->rules[i];
}

int oi_plugin_serves(const opinfo_plugin *d, const char *backend)
{
    for (size_t i = 0; d->backends[i]; i++)
        if (strcmp(d->backends[i], backend) == 0)
            return 1;
    return 0;
}

/* ---- trusting a file -------------------------------------------------------------------------
 * A plugin runs with the caller's rights, so it must be no easier to change than the caller's own
 * programs. The path is resolved one component at a time, as the kernel would, and every
 * directory a name is looked up in, every symlink's target included, must be owned by root or by
 * us and not writable by group or others; a directory writable by others may only be a sticky
 * one of root's (/tmp), and then the entry found in it must be root's or ours. The file itself:
 * a regular file, root's or ours, not writable by group or others (OpenSSH's safe_path rules, with
 * /tmp's sticky bit as the one exception). docs/plugin-abi.md, docs/hardening.md. */

#define TRUST_MAX_LINKS 40

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
         : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISLNK(m) ? "a symlink" : "not a regular file";
}

static int owner_ok(const struct stat *st) { return st->st_uid == 0 || st->st_uid == geteuid(); }

/* NULL, or why the directory cannot be trusted */
static char *dir_distrust(const char *path, const char *dir, const struct stat *st)
{
    if (!owner_ok(st))
        return why("%s: directory %s on its path is owned by uid %ld (neither root nor you), not "
                   "loading", path, dir, (long)st->st_uid);
    if ((st->st_mode & S_IWOTH) && !((st->st_mode & S_ISVTX) && st->st_uid == 0))
        return why("%s: directory %s on its path is writable by others, not loading", path, dir);
    if ((st->st_mode & S_IWGRP) && !((st->st_mode & S_ISVTX) && st->st_uid == 0))
        return why("%s: directory %s on its path is writable by its group, not loading", path,
                   dir);
    return NULL;
}

/* Resolves path into real (no symlink left) and checks it as above (modes and owners only when
 * check is set; "a regular file" always). NULL and *st (the file's lstat), or why not. */
static char *trust(const char *path, int check, char *real, size_t real_size, struct stat *st)
{
    char rest[2 * PATH_MAX], cur[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
    struct stat sb;
    int links = 0, open_parent = 0;
    if (path[0] == '/')
        snprintf(rest, sizeof rest, "%s", path);
    else {
        if (!getcwd(cur, sizeof cur))
            return why("%s: cannot resolve: %s", path, strerror(errno));
        if ((size_t)snprintf(rest, sizeof rest, "%s/%s", cur, path) >= sizeof rest)
            return why("%s: path too long", path);
    }
    cur[0] = '\0'; /* "" is the root */
    if (stat("/", &sb) != 0)
        return why("%s: cannot resolve: %s", path, strerror(errno));
    open_parent = (sb.st_mode & (S_IWOTH | S_IWGRP)) != 0;
    if (check) {
        char *w = dir_distrust(path, "/", &sb);
        if (w)
            return w;
    }
    size_t i = 0;
    for (;;) {
        while (rest[i] == '/')
            i++;
        if (!rest[i])
            break;
        size_t n = strcspn(rest + i, "/");
        const char *c = rest + i;
        int last = rest[i + n] == '\0' || rest[i + n + strspn(rest + i + n, "/")] == '\0';
        i += n;
        if (n == 1 && c[0] == '.')
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') { /* cur has no symlinks: lexical is right */
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = '\0';
            continue;
        }
        if ((size_t)snprintf(next, sizeof next, "%s/%.*s", cur, (int)n, c) >= sizeof next)
            return why("%s: path too long", path);
        if (lstat(next, &sb) != 0)
            return why("%s: %s: %s", path, next, strerror(errno));
        /* in a directory others may write (sticky, root's), only root's and our entries count */
        if (check && open_parent && !owner_ok(&sb))
            return why("%s: %s is owned by uid %ld in a directory others can write, not loading",
                       path, next, (long)sb.st_uid);
        if (S_ISLNK(sb.st_mode)) {
            if (++links > TRUST_MAX_LINKS)
                return why("%s: too many levels of symbolic links", path);
            ssize_t l = readlink(next, link, sizeof link - 1);
            if (l <= 0)
                return why("%s: %s: %s", path, next, l < 0 ? strerror(errno) : "empty symlink");
            link[l] = '\0';
            char tail[2 * PATH_MAX];
            if ((size_t)snprintf(tail, sizeof tail, "%s/%s", link, rest + i) >= sizeof rest)
                return why("%s: path too long", path);
            memcpy(rest, tail, strlen(tail) + 1);
            i = 0;
            if (link[0] == '/')
                cur[0] = '\0'; /* the root was checked first */
            continue;
        }
        if (last) {
            memcpy(cur, next, strlen(next) + 1);
            break;
        }
        if (!S_ISDIR(sb.st_mode))
            return why("%s: %s: %s", path, next, strerror(ENOTDIR));
        if (check) {
            char *w = dir_distrust(path, next, &sb);
            if (w)
                return w;
            open_parent = (sb.st_mode & (S_IWOTH | S_IWGRP)) != 0;
        }
        memcpy(cur, next, strlen(next) + 1);
    }
    if (!cur[0] || lstat(cur, &sb) != 0)
        return why("%s: %s", path, strerror(cur[0] ? errno : EISDIR));
    if (!S_ISREG(sb.st_mode))
        return why("%s: is %s, not a plugin; not loading", path, kind_of(sb.st_mode));
    const char *via = strcmp(cur, path) != 0 ? cur : NULL;
    if (check && !owner_ok(&sb))
        return why("%s: %s%sis owned by uid %ld (neither root nor you), not loading", path,
                   via ? "resolves to " : "", via ? via : "", (long)sb.st_uid);
    if (check && (sb.st_mode & (S_IWOTH | S_IWGRP)))
        return why("%s: %s%s%sis writable by %s, not loading (allow it explicitly to load "
                   "anyway)", path, via ? "resolves to " : "", via ? via : "",
                   via ? ", which " : "", (sb.st_mode & S_IWOTH) ? "others" : "its group");
    if (strlen(cur) >= real_size)
        return why("%s: path too long", path);
    memcpy(real, cur, strlen(cur) + 1);
    *st = sb;
    return NULL;
}

static void load(opinfo_plugins *p, entry *e)
{
    const char *path = e->path;
    char real[PATH_MAX];
    struct stat sb, fb;
    memset(&sb, 0, sizeof sb);
    if ((e->why = trust(path, !(p->flags & OPINFO_PLUGINS_ALLOW_WRITABLE), real, sizeof real,
                        &sb)))
        return;
    /* the file checked is the file opened: by descriptor, never blocking, never following a
     * link; held open while dlopen maps it by its resolved name, and compared again after */
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        e->why = why("%s: cannot open: %s", path, strerror(errno));
        return;
    }
    if (fstat(fd, &fb) != 0 || !S_ISREG(fb.st_mode) || fb.st_dev != sb.st_dev ||
        fb.st_ino != sb.st_ino) {
        close(fd);
        e->why = why("%s: changed while it was being checked, not loading", path);
        return;
    }
    dlerror();
    void *h = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        close(fd);
        const char *m = dlerror();
        size_t rl = strlen(real);
        if (m && strncmp(m, real, rl) == 0 && m[rl] == ':') /* dlerror names the file too */
            m += rl + 1 + (m[rl + 1] == ' ');
        e->why = why("%s: is not a shared object that can be loaded: %s", path, m ? m : "?");
        return;
    }
    struct stat after;
    int same = stat(real, &after) == 0 && after.st_dev == fb.st_dev && after.st_ino == fb.st_ino;
    close(fd);
    if (!same) {
        dlclose(h);
        e->why = why("%s: was replaced while it was being loaded, not loading", path);
        return;
    }
    dlerror();
    void *sym = dlsym(h, OPINFO_PLUGIN_ENTRY_NAME);
    if (!sym) {
        dlclose(h);
        e->why = why("%s: not an opinfo plugin (no symbol %s)", path, OPINFO_PLUGIN_ENTRY_NAME);
        return;
    }
    opinfo_plugin_entry_fn entry_fn;
    memcpy(&entry_fn, &sym, sizeof entry_fn); /* object pointer to function pointer, POSIX style */
    opinfo_plugin_base *base = calloc(1, sizeof *base);
    if (!base) {
        dlclose(h);
        e->nomem = 1;
        return;
    }
    base->host_abi_major = OPINFO_PLUGIN_ABI_MAJOR;
    base->host_abi_minor = OPINFO_PLUGIN_ABI_MINOR;
    base->api = &p->api;
    base->host = p;
    int rc = entry_fn(base);
    base->error[sizeof base->error - 1] = '\0';
    const opinfo_plugin *d = base->plugin;
    char *w = NULL;
    if (rc != 0)
        w = why("%s: is an opinfo plugin but init failed: %s", path,
                base->error[0] ? base->error : "(no message)");
    else if (!d)
        w = why("%s: plugin entry returned no descriptor, not loading", path);
    else
        w = oi_plugin_check_descriptor(d, path);
    if (!w && e->backend && !oi_plugin_serves(d, e->backend))
        w = why("%s: plugin %s does not serve backend %s, not loading", path, d->name,
                e->backend);
    if (w) {
        free(base);
        dlclose(h);
        e->why = w;
        return;
    }
    e->handle = h;
    e->base = base;
    e->plugin = d;
}

static entry *add_entry(opinfo_plugins *p, const char *path, const char *backend)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        entry *e = realloc(p->e, cap * sizeof *e);
        if (!e)
            return NULL;
        p->e = e;
        p->cap = cap;
    }
    entry *e = &p->e[p->n];
    memset(e, 0, sizeof *e);
    if (!(e->path = oi_strdup(path)) || (backend && !(e->backend = oi_strdup(backend)))) {
        free(e->path);
        return NULL;
    }
    p->n++;
    return e;
}

static entry *find_path(opinfo_plugins *p, const char *path)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->e[i].path, path) == 0)
            return &p->e[i];
    return NULL;
}

int opinfo_plugins_get(opinfo_plugins *p, const char *backend, const opinfo_plugin **out,
                       opinfo_error_t *err)
{
    if (!p || !backend || !out)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_plugins_get: NULL argument");
    if (!*backend || strchr(backend, '/') || strcmp(backend, ".") == 0 ||
        strcmp(backend, "..") == 0)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "\"%s\" is not a backend name",
                            backend);
    /* a backend found before is not looked for again: no file system call per check */
    entry *e = NULL;
    for (size_t i = 0; i < p->n && !e; i++)
        if (p->e[i].got && strcmp(p->e[i].backend, backend) == 0)
            e = &p->e[i];
    for (size_t i = 0; i < p->ndirs && !e; i++) {
        char path[PATH_MAX];
        int w = snprintf(path, sizeof path, "%s/%s.so", p->dirs[i], backend);
        struct stat sb;
        if (w <= 0 || (size_t)w >= sizeof path || stat(path, &sb) != 0)
            continue;
        e = find_path(p, path);
        if (e && !e->backend) {
            /* loaded by a listing, which does not check that a file serves its name: check it
             * now, without running the entry a second time */
            if (!(e->backend = oi_strdup(backend)))
                return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
            if (e->plugin && !oi_plugin_serves(e->plugin, backend)) {
                e->why = why("%s: plugin %s does not serve backend %s, not loading", path,
                             e->plugin->name, backend);
                unload(e);
            }
        }
        if (!e) {
            if (!(e = add_entry(p, path, backend)))
                return oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
            load(p, e);
            if (!e->why && !e->plugin)
                e->nomem = 1; /* even the reason could not be kept */
        }
        e->got = !e->nomem && strcmp(e->backend, backend) == 0;
    }
    if (e) {
        if (e->nomem)
            return oi_set_error(err, OPINFO_ENOMEM, e->path, 0, 0, 0, "out of memory");
        /* the first file found is the plugin: a refused one is not replaced by a later one */
        if (e->why)
            return oi_set_error(err, OPINFO_EINPUT, e->path, 0, 0, 0, "%s", e->why);
        *out = e->plugin;
        return OPINFO_OK;
    }
    return oi_set_error(err, OPINFO_ENOTFOUND, NULL, 0, 0, 0,
                        "no plugin for backend %s (%s.so on the plugin path: --plugin-path, "
                        "$OPINFO_PLUGIN_PATH, the installed plugin directory)",
                        backend, backend);
}

void oi_plugin_describe(const opinfo_plugin *d, char *backends, size_t backends_size,
                        char *configs, size_t configs_size)
{
    backends[0] = configs[0] = '\0';
    /* snprintf returns what it would have written: stop once that reaches the end */
    size_t used = 0;
    for (size_t b = 0; d->backends[b] && used < backends_size; b++) {
        int w = snprintf(backends + used, backends_size - used, "%s%s", b ? "," : "",
                         d->backends[b]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    size_t cu = 0;
    for (size_t c = 0; d->configs && d->configs[c] && cu < configs_size; c++) {
        int w = snprintf(configs + cu, configs_size - cu, "%s%s", c ? "," : "", d->configs[c]);
        if (w < 0)
            break;
        cu += (size_t)w;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int opinfo_plugins_list(opinfo_plugins *p, opinfo_row_fn fn, void *ud, opinfo_error_t *err)
{
    if (!p || !fn)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0, "opinfo_plugins_list: NULL argument");
    /* which file serves each backend so far, for shadowing and duplicates */
    oi_map stems, served;
    oi_map_init(&stems);
    oi_map_init(&served);
    int rc = OPINFO_OK;
    for (size_t d = 0; d < p->ndirs && rc == OPINFO_OK; d++) {
        DIR *dir = opendir(p->dirs[d]);
        if (!dir)
            continue;
        char **names = NULL;
        size_t nn = 0;
        struct dirent *de;
        while ((de = readdir(dir))) {
            size_t l = strlen(de->d_name);
            if (l < 4 || strcmp(de->d_name + l - 3, ".so") != 0)
                continue;
            char **q = realloc(names, (nn + 1) * sizeof *q);
            if (!q || !(q[nn] = oi_strdup(de->d_name))) {
                names = q ? q : names;
                rc = oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
                break;
            }
            names = q;
            nn++;
        }
        closedir(dir);
        if (nn)
            qsort(names, nn, sizeof *names, cmp_str);
        /* B.so is the plugin of B: in each directory, files serving the backend they are named
         * after claim their backends before any other file can */
        char **ordered = nn ? malloc(nn * sizeof *ordered) : NULL;
        if (nn && ordered) {
            size_t k = 0;
            for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < nn; i++) {
                    char path[PATH_MAX], stem[256];
                    snprintf(path, sizeof path, "%s/%s", p->dirs[d], names[i]);
                    snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 3), names[i]);
                    entry *e = find_path(p, path);
                    if (!e && (e = add_entry(p, path, NULL)))
                        load(p, e);
                    int own = e && e->plugin && oi_plugin_serves(e->plugin, stem);
                    if (own == (pass == 0))
                        ordered[k++] = names[i];
                }
            memcpy(names, ordered, nn * sizeof *names);
        }
        free(ordered);
        for (size_t i = 0; i < nn && rc == OPINFO_OK; i++) {
            char path[PATH_MAX], stem[256];
            snprintf(path, sizeof path, "%s/%s", p->dirs[d], names[i]);
            snprintf(stem, sizeof stem, "%.*s", (int)(strlen(names[i]) - 3), names[i]);
            const char *cols[7] = {path, NULL, NULL, NULL, NULL, NULL, NULL};
            char status[1200], abi[32], backends[512] = "", configs[512] = "";
            void *first;
            if (oi_map_get(&stems, stem, &first)) {
                snprintf(status, sizeof status, "shadowed by %s", (const char *)first);
                cols[5] = status;
                if (fn(7, cols, ud) != 0)
                    break;
                continue;
            }
            entry *e = find_path(p, path);
            if (!e) {
                /* listed without the name check: a file claiming another's backend shows as a
                 * duplicate, which says more than "does not serve its name" */
                if (!(e = add_entry(p, path, NULL))) {
                    rc = oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
                    break;
                }
                load(p, e);
            }
            oi_map_put(&stems, stem, e->path);
            if (e->plugin) {
                const opinfo_plugin *pl = e->plugin;
                const char *dup = NULL;
                for (size_t b = 0; pl->backends[b]; b++) {
                    void *owner;
                    if (!dup && oi_map_get(&served, pl->backends[b], &owner))
                        dup = pl->backends[b];
                }
                oi_plugin_describe(pl, backends, sizeof backends, configs, sizeof configs);
                snprintf(abi, sizeof abi, "%u.%u", pl->abi_major, pl->abi_minor);
                cols[1] = pl->name;
                cols[2] = pl->version;
                cols[3] = abi;
                cols[4] = backends;
                cols[6] = configs;
                if (dup) {
                    void *owner;
                    oi_map_get(&served, dup, &owner);
                    snprintf(status, sizeof status, "refused: backend %s is already served by %s",
                             dup, (const char *)owner);
                } else {
                    for (size_t b = 0; pl->backends[b]; b++)
                        oi_map_put(&served, pl->backends[b], e->path);
                    snprintf(status, sizeof status, "ok");
                }
            } else
                snprintf(status, sizeof status, "refused: %s",
                         e->why ? e->why : "out of memory while loading");
            cols[5] = status;
            if (fn(7, cols, ud) != 0)
                break;
        }
        for (size_t i = 0; i < nn; i++)
            free(names[i]);
        free(names);
    }
    oi_map_free(&stems);
    oi_map_free(&served);
    return rc;
}

/* ---- the rules plugins document (ABI 1.2) ----------------------------------------------------- */

typedef struct ok_paths {
    char **v;
    size_t n;
    int nomem;
} ok_paths;

static int collect_ok(int n, const char *const *cols, void *ud)
{
    ok_paths *o = ud;
    if (n < 6 || !cols[1] || strcmp(cols[5], "ok") != 0)
        return 0;
    char **v = realloc(o->v, (o->n + 1) * sizeof *v);
    if (!v || !(v[o->n] = oi_strdup(cols[0]))) {
        o->v = v ? v : o->v;
        o->nomem = 1;
        return 1;
    }
    o->v = v;
    o->n++;
    return 0;
}

void oi_plugin_rule_info(const opinfo_plugin *d, const opinfo_plugin_rule *r,
                         opinfo_rule_info *out)
{
    memset(out, 0, sizeof *out);
    out->id = r->id;
    out->summary = r->summary;
    out->help = r->description;
    out->example = r->example;
    out->fix = r->fix;
    out->plugin = d->name;
    out->help_uri = r->help_uri;
}

int opinfo_plugins_rules(opinfo_plugins *p, const opinfo_rule_info **out, size_t *count,
                         opinfo_error_t *err)
{
    if (!p || !out || !count)
        return oi_set_error(err, OPINFO_EUSAGE, NULL, 0, 0, 0,
                            "opinfo_plugins_rules: NULL argument");
    /* every file on the path, as a listing loads them: the ones that serve a backend ("ok") */
    ok_paths ok = {0};
    int rc = opinfo_plugins_list(p, collect_ok, &ok, err);
    size_t n = 0;
    for (size_t i = 0; rc == OPINFO_OK && i < ok.n; i++) {
        entry *e = find_path(p, ok.v[i]);
        for (size_t k = 0; e && e->plugin && oi_plugin_rule_at(e->plugin, k); k++)
            n++;
    }
    opinfo_rule_info *rules = n ? calloc(n, sizeof *rules) : NULL;
    if (rc == OPINFO_OK && (ok.nomem || (n && !rules)))
        rc = oi_set_error(err, OPINFO_ENOMEM, NULL, 0, 0, 0, "out of memory");
    size_t w = 0;
    for (size_t i = 0; rc == OPINFO_OK && i < ok.n; i++) {
        entry *e = find_path(p, ok.v[i]);
        for (size_t k = 0; e && e->plugin && oi_plugin_rule_at(e->plugin, k); k++)
            oi_plugin_rule_info(e->plugin, oi_plugin_rule_at(e->plugin, k), &rules[w++]);
    }
    for (size_t i = 0; i < ok.n; i++)
        free(ok.v[i]);
    free(ok.v);
    if (rc != OPINFO_OK) {
        free(rules);
        return rc;
    }
    free(p->rules);
    p->rules = rules;
    p->nrules = w;
    *out = rules;
    *count = w;
    return OPINFO_OK;
}
