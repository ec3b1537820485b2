/* The plugin loader against the fixture plugins of tests/plugins/fixture.c: each case copies one
 * fixture into a scratch directory as fixture.so (the plugin of backend "fixture") and opens only
 * that directory. */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opinfo/plugin.h"
#include "testutil.h"

#define SENTINEL ((const opinfo_plugin *)(uintptr_t)0x5a5a)

/* ---- helpers --------------------------------------------------------------------------------- */

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    chmod(path, 0755);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        remove_tree(p);
    }
    closedir(d);
    rmdir(path);
}

/* A fresh, empty directory (mode 0755) beside the scratch files, in out. */
static void fresh_dir(const char *name, char *out, size_t n)
{
    const char *p = t_scratch(name);
    remove_tree(p);
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(chmod(p, 0755), 0);
    snprintf(out, n, "%s", p);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Copies the fixture plugin of a kind ("good", "init-fails", ...) into dir as file, mode 0644. */
static void put_fixture(const char *dir, const char *kind, const char *file)
{
    char src[4200], dst[4200];
    snprintf(src, sizeof src, "%s/tests/fixtures/%s.so", t_builddir(), kind);
    snprintf(dst, sizeof dst, "%s/%s", dir, file);
    size_t len;
    char *data = t_slurp(src, &len);
    unlink(dst);
    write_file(dst, data, len, 0644);
    free(data);
}

static opinfo_plugins *open_dirs(const char *const *dirs, size_t n, size_t flags)
{
    opinfo_plugins *p = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_plugins_open(dirs, n, flags, &p, &e), &e);
    assert_non_null(p);
    return p;
}

static opinfo_plugins *open_only(const char *dir, size_t flags)
{
    const char *dirs[] = {dir};
    return open_dirs(dirs, 1, flags | OPINFO_PLUGINS_ONLY_GIVEN);
}

static const opinfo_plugin *get_ok(opinfo_plugins *p, const char *backend)
{
    const opinfo_plugin *pl = SENTINEL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_plugins_get(p, backend, &pl, &e), &e);
    assert_non_null(pl);
    assert_ptr_not_equal(pl, SENTINEL);
    return pl;
}

static void assert_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("expected \"%s\" in \"%s\"", want, text);
}

/* get(backend) fails with code; the message (err->text) contains want1 and want2 (NULL: none);
 * the out-parameter is left alone; asking again gives the same answer (refusals are remembered). */
static void expect_get_fails(opinfo_plugins *p, const char *backend, int code, const char *want1,
                             const char *want2)
{
    char first[sizeof ((opinfo_error_t *)0)->text];
    for (int round = 0; round < 2; round++) {
        const opinfo_plugin *pl = SENTINEL;
        opinfo_error_t e;
        opinfo_error_init(&e);
        int rc = opinfo_plugins_get(p, backend, &pl, &e);
        if (rc != code)
            fail_msg("get(%s): expected %s, got %s: %s", backend, opinfo_err_name(code),
                     opinfo_err_name(rc), e.text);
        assert_int_equal(e.code, code);
        assert_ptr_equal(pl, SENTINEL);
        if (want1)
            assert_contains(e.text, want1);
        if (want2)
            assert_contains(e.text, want2);
        if (round == 0)
            snprintf(first, sizeof first, "%s", e.text);
        else
            assert_string_equal(e.text, first);
    }
}

/* One fixture as dir/fixture.so, opened alone: get("fixture") is refused with the message. */
static void expect_refused(const char *kind, const char *want1, const char *want2)
{
    char dir[4096], name[64];
    snprintf(name, sizeof name, "loader-%s", kind);
    fresh_dir(name, dir, sizeof dir);
    put_fixture(dir, kind, "fixture.so");
    opinfo_plugins *p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, want1, want2);
    opinfo_plugins_close(p);
}

/* The rows of opinfo_plugins_list. */
#define MAX_ROWS 8
#define N_COLS 7 /* path, name, version, abi, backends, status, configs */
typedef struct rows {
    int n;
    char *col[MAX_ROWS][N_COLS];
} rows;

static int collect_row(int ncols, const char *const *cols, void *userdata)
{
    rows *r = userdata;
    assert_int_equal(ncols, N_COLS);
    assert_true(r->n < MAX_ROWS);
    for (int i = 0; i < N_COLS; i++)
        r->col[r->n][i] = strdup(cols[i] ? cols[i] : "");
    r->n++;
    return 0;
}

static void list_rows(opinfo_plugins *p, rows *r)
{
    memset(r, 0, sizeof *r);
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_opinfo_ok(opinfo_plugins_list(p, collect_row, r, &e), &e);
}

static void free_rows(rows *r)
{
    for (int i = 0; i < r->n; i++)
        for (int c = 0; c < N_COLS; c++)
            free(r->col[i][c]);
    r->n = 0;
}

/* The row of a path; fails when there is none or more than one. */
static char **row_of(rows *r, const char *path)
{
    char **found = NULL;
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->col[i][0], path)) {
            if (found)
                fail_msg("two rows for %s", path);
            found = r->col[i];
        }
    if (!found) {
        char all[2048] = "";
        for (int i = 0; i < r->n; i++) {
            size_t l = strlen(all);
            snprintf(all + l, sizeof all - l, " [%s]", r->col[i][0]);
        }
        fail_msg("no row for %s among%s", path, all);
    }
    return found;
}

/* How often the host ran the entry of the loaded image of path (the fixtures count it); -1 when
 * the file is not loaded at all. */
static int entry_calls(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (!h)
        return -1;
    void *sym = dlsym(h, "fixture_entry_calls");
    assert_non_null(sym);
    int (*calls)(void);
    memcpy(&calls, &sym, sizeof calls);
    int n = calls();
    dlclose(h);
    return n;
}

static void version_clash(char *out, size_t n, unsigned major, unsigned minor)
{
    snprintf(out, n, "(plugin: %u.%u, host: %u.%u), not loading", major, minor,
             (unsigned)OPINFO_PLUGIN_ABI_MAJOR, (unsigned)OPINFO_PLUGIN_ABI_MINOR);
}

/* ---- loading --------------------------------------------------------------------------------- */

static void good_plugin_loads_once(void **state)
{
    (void)state;
    char dir[4096];
    fresh_dir("loader-good", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    opinfo_plugins *p = open_only(dir, 0);
    const opinfo_plugin *pl = get_ok(p, "fixture");
    assert_int_equal(pl->abi_major, OPINFO_PLUGIN_ABI_MAJOR);
    assert_int_equal(pl->abi_minor, OPINFO_PLUGIN_ABI_MINOR);
    assert_string_equal(pl->name, "fixture");
    assert_string_equal(pl->version, "1.2.3");
    assert_non_null(pl->backends);
    assert_string_equal(pl->backends[0], "fixture");
    assert_null(pl->backends[1]);
    assert_null(pl->socs);
    assert_int_equal(pl->n_kernels, 1);
    assert_string_equal(pl->kernels[0].name, "noop");
    assert_non_null(pl->kernels[0].fn);
    pl->kernels[0].fn();
    assert_non_null(pl->check);
    assert_int_equal(pl->check(NULL, NULL, NULL, "SM8650"), 0);
    assert_non_null(pl->constraints); /* its embedded constraint data (import --from-plugin) */
    assert_true(pl->constraints_len > 0);
    assert_non_null(strstr(pl->constraints, "\"backend\": \"fixture\""));
    /* loaded once: the second get is the same descriptor */
    assert_ptr_equal(get_ok(p, "fixture"), pl);
    /* other backends are not there */
    expect_get_fails(p, "nothere", OPINFO_ENOTFOUND, NULL, NULL);
    assert_ptr_equal(get_ok(p, "fixture"), pl);
    char path[4200];
    snprintf(path, sizeof path, "%s/fixture.so", dir);
    assert_int_equal(entry_calls(path), 1);
    /* found once, it is not looked for again (no file system call per check): a file removed
     * since does not change the answer */
    assert_int_equal(unlink(path), 0);
    assert_ptr_equal(get_ok(p, "fixture"), pl);
    assert_int_equal(entry_calls(path), 1);
    opinfo_plugins_close(p);
    /* closing unloads it */
    assert_int_equal(entry_calls(path), -1);
}

static void nothing_is_loaded_before_it_is_asked_for(void **state)
{
    (void)state;
    char dir[4096], path[4200];
    fresh_dir("loader-lazy", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    snprintf(path, sizeof path, "%s/fixture.so", dir);
    opinfo_plugins *p = open_only(dir, 0);
    assert_int_equal(entry_calls(path), -1);
    expect_get_fails(p, "nothere", OPINFO_ENOTFOUND, NULL, NULL);
    assert_int_equal(entry_calls(path), -1);
    get_ok(p, "fixture");
    assert_int_equal(entry_calls(path), 1);
    opinfo_plugins_close(p);
}

static void missing_plugin_is_not_found(void **state)
{
    (void)state;
    char dir[4096];
    fresh_dir("loader-empty", dir, sizeof dir);
    opinfo_plugins *p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_ENOTFOUND, NULL, NULL);
    opinfo_plugins_close(p);
    /* a file of another name serves nothing: the plugin of B is B.so */
    put_fixture(dir, "good", "other.so");
    p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_ENOTFOUND, NULL, NULL);
    opinfo_plugins_close(p);
}

/* ---- refusals -------------------------------------------------------------------------------- */

static void other_abi_major_is_refused(void **state)
{
    (void)state;
    char want[128];
    version_clash(want, sizeof want, 2, 0);
    expect_refused("wrong-major", want, "fixture.so");
}

static void newer_abi_minor_is_refused(void **state)
{
    (void)state;
    char want[128];
    version_clash(want, sizeof want, OPINFO_PLUGIN_ABI_MAJOR, OPINFO_PLUGIN_ABI_MINOR + 1);
    expect_refused("newer-minor", want, "fixture.so");
}

static void failed_init_gives_plugins_message(void **state)
{
    (void)state;
    expect_refused("init-fails", "is an opinfo plugin but init failed: no license for this chip",
                   "fixture.so");
}

static void descriptor_without_name_is_refused(void **state)
{
    (void)state;
    expect_refused("no-name", "descriptor", "name");
}

static void no_entry_symbol_is_refused(void **state)
{
    (void)state;
    expect_refused("no-entry", "not an opinfo plugin (no symbol opinfo_plugin_entry)",
                   "fixture.so");
}

static void plugin_of_other_backend_is_refused(void **state)
{
    (void)state;
    /* fixture.so serves only "elsewhere": it is not the plugin of "fixture" */
    expect_refused("other-backend", "backend fixture", "fixture.so");
}

static void text_file_is_not_a_shared_object(void **state)
{
    (void)state;
    char dir[4096], path[4200];
    fresh_dir("loader-text", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/fixture.so", dir);
    const char text[] = "not a plugin, just text\n";
    write_file(path, text, sizeof text - 1, 0644);
    opinfo_plugins *p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is not a shared object", "fixture.so");
    opinfo_plugins_close(p);
}

static void writable_file_is_refused_unless_allowed(void **state)
{
    (void)state;
    char dir[4096], path[4200];
    fresh_dir("loader-writable-file", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    snprintf(path, sizeof path, "%s/fixture.so", dir);
    assert_int_equal(chmod(path, 0646), 0);
    opinfo_plugins *p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", "fixture.so");
    opinfo_plugins_close(p);
    p = open_only(dir, OPINFO_PLUGINS_ALLOW_WRITABLE);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
}

static void writable_directory_is_refused_unless_allowed(void **state)
{
    (void)state;
    char dir[4096];
    fresh_dir("loader-writable-dir", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    assert_int_equal(chmod(dir, 0757), 0);
    opinfo_plugins *p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", NULL);
    opinfo_plugins_close(p);
    p = open_only(dir, OPINFO_PLUGINS_ALLOW_WRITABLE);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
    /* writable by the group is no better */
    assert_int_equal(chmod(dir, 0775), 0);
    p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by its group", NULL);
    opinfo_plugins_close(p);
    /* sticky (like /tmp) and root's: others cannot replace our fixture.so, which is ours */
    assert_int_equal(chmod(dir, 01777), 0);
    p = open_only(dir, 0);
    if (geteuid() == 0)
        assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    else /* sticky but not root's: its owner is not to be trusted with others' files */
        expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", NULL);
    opinfo_plugins_close(p);
    assert_int_equal(chmod(dir, 0755), 0);
}

/* ---- trust along the whole path (OpenSSH's safe_path rules, /tmp's sticky bit) -------------- */

/* dir/sub/fixture.so with dir's mode given; dir and sub fresh. */
static void nested(const char *name, mode_t outer, char *dir, char *sub, size_t n)
{
    fresh_dir(name, dir, n);
    snprintf(sub, n, "%s/plugins", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(chmod(sub, 0755), 0);
    put_fixture(sub, "good", "fixture.so");
    assert_int_equal(chmod(dir, outer), 0);
}

static void world_writable_ancestor_is_refused(void **state)
{
    (void)state;
    char dir[4096], sub[4096];
    nested("loader-ancestor", 0777, dir, sub, sizeof dir);
    opinfo_plugins *p = open_only(sub, 0);
    /* whoever may write dir may rename plugins/ away and put their own in its place */
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", dir);
    opinfo_plugins_close(p);
    p = open_only(sub, OPINFO_PLUGINS_ALLOW_WRITABLE);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
    assert_int_equal(chmod(dir, 0755), 0);
    p = open_only(sub, 0);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
}

static void symlink_into_a_world_writable_directory_is_refused(void **state)
{
    (void)state;
    char safe[4096], open_dir[4096], target[4200], link[4200];
    fresh_dir("loader-link-safe", safe, sizeof safe);
    fresh_dir("loader-link-open", open_dir, sizeof open_dir);
    put_fixture(open_dir, "good", "real.so");
    assert_int_equal(chmod(open_dir, 0777), 0);
    snprintf(target, sizeof target, "%s/real.so", open_dir);
    snprintf(link, sizeof link, "%s/fixture.so", safe);
    assert_int_equal(symlink(target, link), 0);
    opinfo_plugins *p = open_only(safe, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", open_dir);
    opinfo_plugins_close(p);
    /* a relative link, and a link to a directory on the way, are followed the same way */
    unlink(link);
    char rel[4200];
    snprintf(rel, sizeof rel, "../loader-link-open/real.so");
    assert_int_equal(symlink(rel, link), 0);
    p = open_only(safe, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", open_dir);
    opinfo_plugins_close(p);
    unlink(link);
    char dlink[4200];
    snprintf(dlink, sizeof dlink, "%s/via", safe);
    assert_int_equal(symlink(open_dir, dlink), 0);
    p = open_only(dlink, 0);
    expect_get_fails(p, "real", OPINFO_EINPUT, "is writable by others", open_dir);
    opinfo_plugins_close(p);
    /* the same file from a safe directory loads: the refusal was about where it lives */
    assert_int_equal(chmod(open_dir, 0755), 0);
    assert_int_equal(symlink(target, link), 0);
    p = open_only(safe, 0);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
    unlink(link); /* remove_tree would follow them */
    unlink(dlink);
}

static void sticky_directory_rules(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip(); /* needs root: a sticky directory of root's, and files of another user */
    char dir[4096], sub[4096], file[4300];
    /* /tmp-like ancestor: sticky, root's, writable by all: our directory in it is ours */
    nested("loader-sticky", 01777, dir, sub, sizeof dir);
    opinfo_plugins *p = open_only(sub, 0);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
    /* ... but a directory in it that another user owns is theirs to change */
    assert_int_equal(chown(sub, 65534, 65534), 0);
    p = open_only(sub, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "owned by uid 65534", sub);
    opinfo_plugins_close(p);
    assert_int_equal(chown(sub, 0, 0), 0);
    /* sticky and writable by all, but not root's: refused */
    assert_int_equal(chown(dir, 65534, 65534), 0);
    p = open_only(sub, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "owned by uid 65534", dir);
    opinfo_plugins_close(p);
    assert_int_equal(chown(dir, 0, 0), 0);
    /* writable by all without the sticky bit: refused */
    assert_int_equal(chmod(dir, 0777), 0);
    p = open_only(sub, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is writable by others", dir);
    opinfo_plugins_close(p);
    assert_int_equal(chmod(dir, 0755), 0);
    /* the plugin file of another user, in a safe directory */
    snprintf(file, sizeof file, "%s/fixture.so", sub);
    assert_int_equal(chown(file, 65534, 65534), 0);
    p = open_only(sub, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "owned by uid 65534", "fixture.so");
    opinfo_plugins_close(p);
}

static void fifo_named_b_so_is_refused_without_opening_it(void **state)
{
    (void)state;
    char dir[4096], path[4200];
    fresh_dir("loader-fifo", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/fixture.so", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    put_fixture(dir, "good", "other.so");
    alarm(20); /* opening a FIFO for reading waits for a writer: a regression hangs, then dies */
    opinfo_plugins *p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is a FIFO", "fixture.so");
    opinfo_plugins_close(p);
    p = open_only(dir, OPINFO_PLUGINS_ALLOW_WRITABLE); /* never a FIFO, allowed or not */
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is a FIFO", "fixture.so");
    opinfo_plugins_close(p);
    /* the listing shows it refused, with the reason, and goes on to the next file */
    p = open_only(dir, 0);
    rows r;
    list_rows(p, &r);
    char **row = row_of(&r, path);
    assert_contains(row[5], "refused: ");
    assert_contains(row[5], "is a FIFO");
    char other[4300];
    snprintf(other, sizeof other, "%s/other.so", dir);
    assert_non_null(row_of(&r, other));
    free_rows(&r);
    opinfo_plugins_close(p);
    alarm(0);
    unlink(path);
    /* a directory named B.so */
    assert_int_equal(mkdir(path, 0755), 0);
    p = open_only(dir, 0);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "is a directory", "fixture.so");
    opinfo_plugins_close(p);
}

/* ---- the search path ------------------------------------------------------------------------- */

static void first_directory_wins(void **state)
{
    (void)state;
    char a[4096], b[4096], pa[4200], pb[4200], shadowed[4300];
    fresh_dir("loader-first-a", a, sizeof a);
    fresh_dir("loader-first-b", b, sizeof b);
    put_fixture(a, "good", "fixture.so");
    put_fixture(b, "init-fails", "fixture.so");
    snprintf(pa, sizeof pa, "%s/fixture.so", a);
    snprintf(pb, sizeof pb, "%s/fixture.so", b);

    /* a's loads; b's is never looked at */
    const char *ab[] = {a, b};
    opinfo_plugins *p = open_dirs(ab, 2, OPINFO_PLUGINS_ONLY_GIVEN);
    assert_string_equal(get_ok(p, "fixture")->version, "1.2.3");
    rows r;
    list_rows(p, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(row_of(&r, pa)[5], "ok");
    snprintf(shadowed, sizeof shadowed, "shadowed by %s", pa);
    assert_string_equal(row_of(&r, pb)[5], shadowed);
    free_rows(&r);
    opinfo_plugins_close(p);

    /* the other way round, b's is the plugin: its refusal stands, a's is no fallback */
    const char *ba[] = {b, a};
    p = open_dirs(ba, 2, OPINFO_PLUGINS_ONLY_GIVEN);
    expect_get_fails(p, "fixture", OPINFO_EINPUT, "init failed: no license for this chip", NULL);
    list_rows(p, &r);
    assert_int_equal(r.n, 2);
    snprintf(shadowed, sizeof shadowed, "shadowed by %s", pb);
    assert_string_equal(row_of(&r, pa)[5], shadowed);
    assert_contains(row_of(&r, pb)[5], "refused: ");
    free_rows(&r);
    opinfo_plugins_close(p);
}

static void list_loads_and_checks_every_file(void **state)
{
    (void)state;
    char dir[4096], good[4200], other[4200];
    fresh_dir("loader-list", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    put_fixture(dir, "init-fails", "other.so");
    snprintf(good, sizeof good, "%s/fixture.so", dir);
    snprintf(other, sizeof other, "%s/other.so", dir);
    opinfo_plugins *p = open_only(dir, 0);
    rows r;
    list_rows(p, &r);
    assert_int_equal(r.n, 2);
    char **g = row_of(&r, good);
    assert_string_equal(g[1], "fixture");
    assert_string_equal(g[2], "1.2.3");
    assert_string_equal(g[3], "1.2");
    assert_string_equal(g[4], "fixture");
    assert_string_equal(g[5], "ok");
    char **o = row_of(&r, other);
    assert_true(!strncmp(o[5], "refused: ", 9));
    assert_contains(o[5], "init failed: no license for this chip");
    free_rows(&r);
    /* listing loaded fixture.so; get gives the same plugin without running its entry again,
     * and lists agree */
    assert_int_equal(entry_calls(good), 1);
    const opinfo_plugin *pl = get_ok(p, "fixture");
    assert_string_equal(pl->name, "fixture");
    assert_int_equal(entry_calls(good), 1);
    list_rows(p, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(row_of(&r, good)[5], "ok");
    free_rows(&r);
    assert_ptr_equal(get_ok(p, "fixture"), pl);
    assert_int_equal(entry_calls(good), 1);
    opinfo_plugins_close(p);
}

static void list_refuses_a_second_claim_on_a_backend(void **state)
{
    (void)state;
    char dir[4096], good[4200], other[4200], want[4300];
    fresh_dir("loader-dup", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    put_fixture(dir, "good", "other.so"); /* also says it serves "fixture" */
    snprintf(good, sizeof good, "%s/fixture.so", dir);
    snprintf(other, sizeof other, "%s/other.so", dir);
    opinfo_plugins *p = open_only(dir, 0);
    rows r;
    list_rows(p, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(row_of(&r, good)[5], "ok");
    snprintf(want, sizeof want, "refused: backend fixture is already served by %s", good);
    assert_string_equal(row_of(&r, other)[5], want);
    free_rows(&r);
    /* the plugin of "fixture" is still fixture.so */
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    opinfo_plugins_close(p);
}

/* The plugin of B is B.so: another file claiming B is the duplicate, whatever its name sorts as. */
static void a_claim_by_another_file_never_displaces_b_so(void **state)
{
    (void)state;
    char dir[4096], good[4200], early[4200], want[4300];
    fresh_dir("loader-dup-early", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    put_fixture(dir, "good", "another.so"); /* sorts before fixture.so, claims "fixture" */
    snprintf(good, sizeof good, "%s/fixture.so", dir);
    snprintf(early, sizeof early, "%s/another.so", dir);
    opinfo_plugins *p = open_only(dir, 0);
    assert_string_equal(get_ok(p, "fixture")->name, "fixture");
    rows r;
    list_rows(p, &r);
    assert_int_equal(r.n, 2);
    /* the list agrees with get: fixture.so is the plugin of "fixture" */
    assert_string_equal(row_of(&r, good)[5], "ok");
    snprintf(want, sizeof want, "refused: backend fixture is already served by %s", good);
    assert_string_equal(row_of(&r, early)[5], want);
    free_rows(&r);
    opinfo_plugins_close(p);
}

static void plugin_path_variable_is_searched(void **state)
{
    (void)state;
    char dir[4096], empty[4096], path[8400];
    fresh_dir("loader-env", dir, sizeof dir);
    fresh_dir("loader-env-empty", empty, sizeof empty);
    put_fixture(dir, "good", "fixture.so");
    snprintf(path, sizeof path, "%s/does-not-exist:%s", empty, dir);
    assert_int_equal(setenv("OPINFO_PLUGIN_PATH", path, 1), 0);

    opinfo_plugins *p = open_dirs(NULL, 0, 0);
    assert_string_equal(get_ok(p, "fixture")->version, "1.2.3");
    opinfo_plugins_close(p);
    /* given directories come first */
    const char *given[] = {empty};
    p = open_dirs(given, 1, 0);
    assert_string_equal(get_ok(p, "fixture")->version, "1.2.3");
    opinfo_plugins_close(p);
    /* ...and are all there is with ONLY_GIVEN */
    p = open_dirs(given, 1, OPINFO_PLUGINS_ONLY_GIVEN);
    expect_get_fails(p, "fixture", OPINFO_ENOTFOUND, NULL, NULL);
    opinfo_plugins_close(p);

    assert_int_equal(unsetenv("OPINFO_PLUGIN_PATH"), 0);
    p = open_dirs(NULL, 0, 0);
    expect_get_fails(p, "fixture", OPINFO_ENOTFOUND, NULL, NULL);
    opinfo_plugins_close(p);
}

static void close_null_and_abi_version(void **state)
{
    (void)state;
    opinfo_plugins_close(NULL);
    char want[32];
    snprintf(want, sizeof want, "%d.%d", OPINFO_PLUGIN_ABI_MAJOR, OPINFO_PLUGIN_ABI_MINOR);
    assert_string_equal(opinfo_plugin_abi_version(), want);
    assert_string_equal(opinfo_plugin_abi_version(), "1.2");
}

/* A plugin built for ABI 1.0 loads under a 1.1 host, which reads none of its descriptor's 1.1
 * members (the fixture's descriptor storage ends where 1.0's did): its kernel runs and has no
 * signature. */
static void abi_1_0_plugin_loads_and_its_kernels_have_no_signature(void **state)
{
    (void)state;
    char dir[4096];
    fresh_dir("loader-abi-1-0", dir, sizeof dir);
    put_fixture(dir, "abi-1-0", "fixture.so");
    opinfo_plugins *p = open_only(dir, 0);
    const opinfo_plugin *pl = NULL;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_plugins_get(p, "fixture", &pl, &e), OPINFO_OK);
    assert_int_equal(pl->abi_minor, 0);
    int (*fn)(struct opinfo_kernel_call *) = NULL;
    const char *sig = NULL;
    assert_int_equal(opinfo_kernel_find(p, "fixture", "noop", &fn, &sig, &e), OPINFO_OK);
    assert_non_null(fn);
    assert_string_equal(sig, "");
    assert_int_equal(opinfo_kernel_find(p, "fixture", "nothing", &fn, &sig, &e), OPINFO_ENOTFOUND);
    assert_non_null(strstr(e.text, "backend fixture has no kernel \"nothing\""));
    opinfo_plugins_close(p);
}

/* ABI 1.2: a plugin documents its rules; they are listed, found and refused when not its own. A
 * 1.1 plugin (its descriptor ends before the rules member) still loads, documenting none. */
static void plugins_document_their_rules(void **state)
{
    (void)state;
    char dir[4096];
    fresh_dir("loader-rules", dir, sizeof dir);
    put_fixture(dir, "good", "fixture.so");
    opinfo_plugins *p = open_only(dir, 0);
    const opinfo_rule_info *rs = NULL;
    size_t n = 0;
    opinfo_error_t e;
    opinfo_error_init(&e);
    assert_int_equal(opinfo_plugins_rules(p, &rs, &n, &e), OPINFO_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rs[0].id, "fixture/no-op");
    assert_string_equal(rs[0].plugin, "fixture");
    assert_string_equal(rs[0].fix, "None needed.");
    assert_string_equal(rs[0].help_uri, "https://example.invalid/rules/fixture/no-op.md");
    const opinfo_rule_info *f = opinfo_rule_find(p, "fixture/no-op");
    assert_non_null(f);
    assert_string_equal(f->summary, "the fixture's rule");
    assert_null(opinfo_rule_find(p, "fixture/other"));
    char *text = NULL;
    assert_int_equal(opinfo_rules_catalog(p, "text", &text, &e), OPINFO_OK);
    assert_non_null(strstr(text, "\nfixture/no-op "));
    free(text);
    opinfo_plugins_close(p);

    fresh_dir("loader-rules-1-1", dir, sizeof dir);
    put_fixture(dir, "abi-1-1", "fixture.so");
    p = open_only(dir, 0);
    const opinfo_plugin *pl = NULL;
    assert_int_equal(opinfo_plugins_get(p, "fixture", &pl, &e), OPINFO_OK);
    assert_int_equal(pl->abi_minor, 1);
    assert_int_equal(opinfo_plugins_rules(p, &rs, &n, &e), OPINFO_OK);
    assert_int_equal(n, 0);
    assert_null(opinfo_rule_find(p, "fixture/no-op"));
    opinfo_plugins_close(p);

    fresh_dir("loader-bad-rule", dir, sizeof dir);
    put_fixture(dir, "bad-rule", "fixture.so");
    p = open_only(dir, 0);
    assert_int_equal(opinfo_plugins_get(p, "fixture", &pl, &e), OPINFO_EINPUT);
    assert_non_null(strstr(e.text, "rule 0's id is not fixture/NAME"));
    opinfo_plugins_close(p);
}

int test_loader(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_plugin_loads_once),
        cmocka_unit_test(nothing_is_loaded_before_it_is_asked_for),
        cmocka_unit_test(missing_plugin_is_not_found),
        cmocka_unit_test(other_abi_major_is_refused),
        cmocka_unit_test(newer_abi_minor_is_refused),
        cmocka_unit_test(failed_init_gives_plugins_message),
        cmocka_unit_test(descriptor_without_name_is_refused),
        cmocka_unit_test(no_entry_symbol_is_refused),
        cmocka_unit_test(plugin_of_other_backend_is_refused),
        cmocka_unit_test(text_file_is_not_a_shared_object),
        cmocka_unit_test(writable_file_is_refused_unless_allowed),
        cmocka_unit_test(writable_directory_is_refused_unless_allowed),
        cmocka_unit_test(world_writable_ancestor_is_refused),
        cmocka_unit_test(symlink_into_a_world_writable_directory_is_refused),
        cmocka_unit_test(sticky_directory_rules),
        cmocka_unit_test(fifo_named_b_so_is_refused_without_opening_it),
        cmocka_unit_test(first_directory_wins),
        cmocka_unit_test(list_loads_and_checks_every_file),
        cmocka_unit_test(list_refuses_a_second_claim_on_a_backend),
        cmocka_unit_test(a_claim_by_another_file_never_displaces_b_so),
        cmocka_unit_test(plugin_path_variable_is_searched),
        cmocka_unit_test(close_null_and_abi_version),
        cmocka_unit_test(abi_1_0_plugin_loads_and_its_kernels_have_no_signature),
        cmocka_unit_test(plugins_document_their_rules),
    };
    return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
