/* names.c: names people type (common.h). A backend, SoC or op is accepted as the database spells
 * it, or ignoring case when that picks one; a SoC also by its marketing name (the SoC's
 * "marketing_name" attribute, docs/data-sources-qnn-htp.md). A name that picks nothing gets the
 * nearest choice by edit distance, and the list of choices when it is short. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "common.h"

/* Levenshtein distance ignoring ASCII case, with an adjacent swap counting one (Damerau's
 * restricted form); names longer than 127 bytes are compared on their first 127. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 127)
        la = 127;
    if (lb > 127)
        lb = 127;
    static size_t d[128][128];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j - 1] + (ca != cb);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *cli_nearest(const char *typed, const char *const *choices, size_t n)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, len = strlen(typed);
    /* near enough: a third of the name's length, at least 1, at most 3 */
    size_t limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
    for (size_t i = 0; i < n; i++) {
        if (!choices[i])
            continue;
        size_t d = distance(typed, choices[i]);
        if (d < bd) {
            bd = d;
            best = choices[i];
        }
    }
    return bd <= limit ? best : NULL;
}

const char *cli_pick_name(const char *what, const char *typed, const char *const *choices,
                          size_t n, int list_choices)
{
    const char *hit = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        if (choices[i] && strcmp(choices[i], typed) == 0)
            return choices[i];
    for (size_t i = 0; i < n; i++)
        if (choices[i] && strcasecmp(choices[i], typed) == 0 && (!hit || strcmp(hit, choices[i])))
            hit = choices[i], hits++;
    if (hits == 1)
        return hit;
    if (!what)
        return NULL;
    fprintf(stderr, "%s: unknown %s \"", cli_prog, what);
    cli_put_escaped(stderr, typed);
    fputc('"', stderr);
    const char *near = hits > 1 ? NULL : cli_nearest(typed, choices, n);
    if (hits > 1)
        fprintf(stderr, " (several differ only in case; type it exactly)");
    else if (near)
        fprintf(stderr, "; did you mean \"%s\"?", near);
    if (list_choices && n) {
        fputs(" (choices: ", stderr);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", choices[i] ? choices[i] : "");
        fputc(')', stderr);
    }
    fputc('\n', stderr);
    return NULL;
}

/* ---- from the database ----------------------------------------------------------------------- */

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static names kept; /* every string handed out, freed by cli_names_free */

static int push(names *s, const char *v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char **p = realloc(s->v, cap * sizeof *p);
        if (!p)
            return 1;
        s->v = p;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(v ? v : "")))
        return 1;
    s->n++;
    return 0;
}

static void drop(names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

void cli_names_free(void) { drop(&kept); }

/* keeps s until cli_names_free; NULL when out of memory */
static const char *keep(const char *s)
{
    return push(&kept, s) ? NULL : kept.v[kept.n - 1];
}

typedef struct col_ud {
    names *out, *also; /* column col into out; column col2 (when >= 0) into also */
    int col, col2;
} col_ud;

static int take_col(int n, const char *const *c, void *ud)
{
    col_ud *u = ud;
    if (u->col < n && push(u->out, c[u->col]))
        return 1;
    if (u->col2 >= 0 && u->col2 < n && push(u->also, c[u->col2]))
        return 1;
    return 0;
}

static int db_failed(const opinfo_error_t *e)
{
    cli_print_error(e);
    return e->code ? e->code : OPINFO_EDB;
}

int cli_resolve_backend(opinfo_db *db, const char *typed, const char **out)
{
    names b = {0};
    col_ud u = {&b, NULL, 0, -1};
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_list(db, OPINFO_LIST_BACKENDS, NULL, NULL, take_col, &u, &e) != OPINFO_OK) {
        drop(&b);
        return db_failed(&e);
    }
    const char *hit = cli_pick_name(NULL, typed, (const char *const *)b.v, b.n, 0);
    if (!hit) {
        /* the library's own verdict: a damaged database is its error, not "unknown" */
        const char *latest;
        int rc = opinfo_db_latest_release(db, typed, &latest, &e);
        if (rc == OPINFO_OK)
            hit = typed;
        else if (rc != OPINFO_ENOTFOUND) {
            drop(&b);
            return db_failed(&e);
        } else
            cli_pick_name("backend", typed, (const char *const *)b.v, b.n, 1);
    }
    *out = hit ? keep(hit) : NULL;
    drop(&b);
    return hit ? OPINFO_OK : OPINFO_ENOTFOUND;
}

int cli_resolve_soc(opinfo_db *db, const char *backend, const char *release, const char *typed,
                    const char **out)
{
    names socs = {0}, attrs = {0}, market = {0};
    col_ud u = {&socs, &attrs, 2, 5};
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_list(db, OPINFO_LIST_SOCS, backend, release, take_col, &u, &e) != OPINFO_OK) {
        drop(&socs), drop(&attrs);
        /* an unknown backend or release: the library's own words */
        return db_failed(&e);
    }
    const char *hit = cli_pick_name(NULL, typed, (const char *const *)socs.v, socs.n, 0);
    /* the marketing names, as many as the SoCs (empty where none) */
    int oom = 0;
    for (size_t i = 0; i < attrs.n && !oom; i++) {
        json_t *a = json_loads(attrs.v[i], 0, NULL);
        json_t *m = json_object_get(a, "marketing_name");
        oom = push(&market, json_is_string(m) ? json_string_value(m) : NULL);
        json_decref(a);
    }
    if (!hit && !oom && socs.n == market.n) {
        const char *m = cli_pick_name(NULL, typed, (const char *const *)market.v, market.n, 0);
        for (size_t i = 0; m && m[0] && i < market.n; i++)
            if (market.v[i] == m)
                hit = socs.v[i];
    }
    if (!hit) {
        opinfo_soc soc;
        int rc = opinfo_db_find_soc(db, backend, release, typed, &soc, &e);
        if (rc == OPINFO_OK)
            hit = typed;
        else if (rc != OPINFO_ENOTFOUND) {
            drop(&socs), drop(&attrs), drop(&market);
            return db_failed(&e);
        }
    }
    if (!hit) {
        /* the message: the nearest of every name and marketing name, and every SoC */
        names all = {0};
        for (size_t i = 0; i < socs.n && !oom; i++)
            oom = push(&all, socs.v[i]) ||
                  (i < market.n && market.v[i][0] && push(&all, market.v[i]));
        const char *near = oom ? NULL : cli_nearest(typed, (const char *const *)all.v, all.n);
        fprintf(stderr, "%s: unknown SoC \"", cli_prog);
        cli_put_escaped(stderr, typed);
        fprintf(stderr, "\" for %s", backend);
        if (near)
            fprintf(stderr, "; did you mean \"%s\"?", near);
        fputs(" (choices: ", stderr);
        for (size_t i = 0; i < socs.n; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", socs.v[i]);
        fputs(")\n", stderr);
        drop(&all);
    }
    *out = hit ? keep(hit) : NULL;
    drop(&socs), drop(&attrs), drop(&market);
    return hit ? OPINFO_OK : OPINFO_ENOTFOUND;
}

int cli_resolve_op(opinfo_db *db, const char *backend, const char *release, const char *typed,
                   const char **out)
{
    names ops = {0}, aliases = {0}, alias_ops = {0};
    col_ud u = {&ops, NULL, 2, -1}, ua = {&aliases, &alias_ops, 3, 4};
    opinfo_error_t e;
    opinfo_error_init(&e);
    if (opinfo_db_list(db, OPINFO_LIST_OPS, backend, release, take_col, &u, &e) != OPINFO_OK ||
        opinfo_db_list(db, OPINFO_LIST_ALIASES, backend, release, take_col, &ua, &e) !=
            OPINFO_OK) {
        drop(&ops), drop(&aliases), drop(&alias_ops);
        return db_failed(&e);
    }
    const char *hit = cli_pick_name(NULL, typed, (const char *const *)ops.v, ops.n, 0);
    if (!hit)
        hit = cli_pick_name(NULL, typed, (const char *const *)aliases.v, aliases.n, 0);
    if (!hit) {
        const opinfo_op *op;
        int rc = opinfo_db_find_op(db, backend, release, typed, &op, &e);
        if (rc == OPINFO_OK)
            hit = typed;
        else if (rc != OPINFO_ENOTFOUND) {
            drop(&ops), drop(&aliases), drop(&alias_ops);
            return db_failed(&e);
        }
    }
    if (!hit) {
        const char *near = cli_nearest(typed, (const char *const *)ops.v, ops.n);
        if (!near)
            near = cli_nearest(typed, (const char *const *)aliases.v, aliases.n);
        fprintf(stderr, "%s: no op or alias \"", cli_prog);
        cli_put_escaped(stderr, typed);
        fprintf(stderr, "\" for %s", backend);
        if (near)
            fprintf(stderr, "; did you mean \"%s\"?", near);
        fprintf(stderr, " (see 'opinfo-db list ops --backend %s')\n", backend);
    }
    *out = hit ? keep(hit) : NULL;
    drop(&ops), drop(&aliases), drop(&alias_ops);
    return hit ? OPINFO_OK : OPINFO_ENOTFOUND;
}
