/* config.c: opinfo-check's project file, .opinfo.json (docs/adoption.md). JSON through
 * jansson; errors name the file, line and column (core/jsonpos.c finds a value's position). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/internal.h"
#include "cli.h"
#include "common.h"

#define CONFIG_MAX_SIZE (1024 * 1024)

typedef struct rd {
    cli_config *c;
    const char *text;
    size_t len;
    oi_jpath path;
} rd;

static void where(rd *r, char *buf, size_t n)
{
    int line = 1, col = 1;
    long pos;
    oi_json_locate(r->text, r->len, &r->path, 0, &line, &col, &pos);
    snprintf(buf, n, "%s:%d:%d", r->c->path, line, col);
}

static int fail(rd *r, const char *fmt, ...) OPINFO_PRINTF(2, 3);
static int fail(rd *r, const char *fmt, ...)
{
    char at[300], msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    where(r, at, sizeof at);
    cli_put_escaped(stderr, at);
    fputs(": ", stderr);
    cli_put_severity(stderr, "error");
    fputs(": ", stderr);
    cli_put_escaped(stderr, msg);
    fputc('\n', stderr);
    return 2;
}

static int own(cli_config *c, char *s)
{
    char **o = realloc(c->owned, (c->n_owned + 1) * sizeof *o);
    if (!o) {
        free(s);
        return -1;
    }
    c->owned = o;
    c->owned[c->n_owned++] = s;
    return 0;
}

/* a string, or an array of strings joined with commas (a rule list) */
static int setting(rd *r, json_t *obj, const char *key, int list, cli_setting *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    oi_jpath_push_key(&r->path, key);
    where(r, out->origin, sizeof out->origin);
    if (json_is_string(v)) {
        out->value = json_string_value(v);
    } else if (list && json_is_array(v)) {
        size_t i, len = 1;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e)) {
                oi_jpath_push_index(&r->path, i);
                return fail(r, "\"%s\" must list rule names (strings)", key);
            }
            len += strlen(json_string_value(e)) + 1;
        }
        char *s = calloc(1, len);
        if (!s || own(r->c, s))
            return fail(r, "%s: out of memory", key);
        json_array_foreach(v, i, e)
        {
            if (i)
                strcat(s, ",");
            strcat(s, json_string_value(e));
        }
        out->value = s;
    } else
        return fail(r, list ? "\"%s\" must be a string or an array of rule names"
                            : "\"%s\" must be a string",
                    key);
    oi_jpath_pop(&r->path);
    return 0;
}

static int unknown_keys(rd *r, json_t *obj, const char *const *allowed, const char *what)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            oi_jpath_push_key(&r->path, key);
            return fail(r, "unknown key \"%s\" in %s", key, what);
        }
    }
    return 0;
}

int cli_config_read(const char *path, cli_config *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", cli_prog, path, strerror(errno));
        return 2;
    }
    char *text = malloc(CONFIG_MAX_SIZE + 1);
    size_t len = text ? fread(text, 1, CONFIG_MAX_SIZE + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    if (!text || rerr || len > CONFIG_MAX_SIZE) {
        fprintf(stderr, "%s: %s: %s\n", cli_prog, path,
                !text ? "out of memory" : rerr ? "cannot read" : "larger than 1 MiB");
        free(text);
        return 2;
    }
    text[len] = '\0';
    if (!(c->path = strdup(path))) {
        free(text);
        return 2;
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    rd r = {c, text, len, {0}};
    int rc = 0;
    if (!root) {
        cli_put_escaped(stderr, path);
        fprintf(stderr, ":%d:%d: ", je.line > 0 ? je.line : 1, je.column > 0 ? je.column : 1);
        cli_put_severity(stderr, "error");
        fputs(": ", stderr);
        cli_put_escaped(stderr, je.text);
        fputc('\n', stderr);
        rc = 2;
        goto done;
    }
    c->root = root;
    static const char *const top[] = {"$schema", "backend", "soc", "release", "select",
                                      "ignore", "per_path", "rules_url", NULL};
    static const char *const pp[] = {"files", "select", "ignore", NULL};
    if (!json_is_object(root)) {
        rc = fail(&r, "%s must be a JSON object", "the file");
        goto done;
    }
    if ((rc = unknown_keys(&r, root, top, "the file")) ||
        (rc = setting(&r, root, "backend", 0, &c->backend)) ||
        (rc = setting(&r, root, "soc", 0, &c->soc)) ||
        (rc = setting(&r, root, "release", 0, &c->release)) ||
        (rc = setting(&r, root, "select", 1, &c->select)) ||
        (rc = setting(&r, root, "ignore", 1, &c->ignore)) ||
        (rc = setting(&r, root, "rules_url", 0, &c->rules_url)))
        goto done;
    if (c->rules_url.value) {
        opinfo_error_t e;
        opinfo_error_init(&e);
        if (opinfo_rules_url_check(c->rules_url.value, &e) != OPINFO_OK) {
            oi_jpath_push_key(&r.path, "rules_url");
            rc = fail(&r, "\"rules_url\": %s", e.text);
            goto done;
        }
    }
    json_t *per = json_object_get(root, "per_path");
    if (per) {
        oi_jpath_push_key(&r.path, "per_path");
        if (!json_is_array(per)) {
            rc = fail(&r, "\"%s\" must be an array of {\"files\", \"select\", \"ignore\"}",
                      "per_path");
            goto done;
        }
        size_t n = json_array_size(per), i;
        json_t *e;
        if (!(c->per_path = calloc(n ? n : 1, sizeof *c->per_path))) {
            rc = 2;
            goto done;
        }
        json_array_foreach(per, i, e)
        {
            oi_jpath_push_index(&r.path, i);
            cli_per_path *p = &c->per_path[i];
            cli_setting files;
            memset(&files, 0, sizeof files);
            if (!json_is_object(e)) {
                rc = fail(&r, "%s must be an object", "a per_path entry");
                goto done;
            }
            if ((rc = unknown_keys(&r, e, pp, "a per_path entry")) ||
                (rc = setting(&r, e, "files", 0, &files)) ||
                (rc = setting(&r, e, "select", 1, &p->select)) ||
                (rc = setting(&r, e, "ignore", 1, &p->ignore)))
                goto done;
            if (!files.value || !*files.value) {
                rc = fail(&r, "%s needs \"files\" (a glob)", "a per_path entry");
                goto done;
            }
            p->glob = files.value;
            c->n_per_path = i + 1;
            oi_jpath_pop(&r.path);
        }
        oi_jpath_pop(&r.path);
    }
    /* the directory globs are relative to */
    char abs[PATH_MAX];
    if (!realpath(path, abs)) {
        fprintf(stderr, "%s: %s: %s\n", cli_prog, path, strerror(errno));
        rc = 2;
        goto done;
    }
    char *slash = strrchr(abs, '/');
    if (slash)
        *(slash == abs ? slash + 1 : slash) = '\0';
    if (!(c->dir = strdup(abs)))
        rc = 2;
done:
    free(text);
    return rc;
}

int cli_config_find(const char *start_dir, cli_config *c)
{
    memset(c, 0, sizeof *c);
    char dir[PATH_MAX];
    if (!realpath(start_dir, dir))
        return 0; /* the input's own error is reported where it is read */
    for (;;) {
        char cand[PATH_MAX + 32];
        struct stat st;
        snprintf(cand, sizeof cand, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", CLI_CONFIG_NAME);
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
            return cli_config_read(cand, c);
        char *slash = strrchr(dir, '/');
        if (!slash || strcmp(dir, "/") == 0)
            return 0;
        *(slash == dir ? slash + 1 : slash) = '\0';
    }
}

void cli_config_free(cli_config *c)
{
    json_decref((json_t *)c->root);
    for (size_t i = 0; i < c->n_owned; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c->per_path);
    free(c->path);
    free(c->dir);
    memset(c, 0, sizeof *c);
}

const cli_per_path *cli_config_for(const cli_config *c, const char *input)
{
    char abs[PATH_MAX];
    if (!c->dir || !c->n_per_path || strcmp(input, "-") == 0 || !realpath(input, abs))
        return NULL;
    size_t n = strlen(c->dir);
    const char *rel = abs;
    if (strcmp(c->dir, "/") == 0)
        rel = abs + 1;
    else if (strncmp(abs, c->dir, n) == 0 && abs[n] == '/')
        rel = abs + n + 1;
    else
        return NULL; /* outside the project */
    for (size_t i = 0; i < c->n_per_path; i++)
        if (fnmatch(c->per_path[i].glob, rel, 0) == 0)
            return &c->per_path[i]; /* the first that matches */
    return NULL;
}
