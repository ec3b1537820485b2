/* opinfo-kernel: runs a backend's reference kernel on NumPy .npy files, so that its numerics can
 * be compared with any framework. A thin shell over opinfo_kernel_run and opinfo_npy_*.
 * Exit status: 0 done, 2 usage, input or kernel error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"
#include "opinfo/plugin.h"

#include "cli.h"
#include "common.h"

const char *cli_prog = "opinfo-kernel";

#define MAX_ARGS 16

static void usage(FILE *f)
{
    fprintf(f,
            "usage: opinfo-kernel --backend B NAME [--in X.npy]... [--attr NAME=V[,V...]]...\n"
            "                     -o Y.npy [-o Z.npy]...\n"
            "       opinfo-kernel --backend B --list [-f text|json|tsv]\n"
            "\n"
            "Runs the reference kernel NAME of backend B (qnn-htp, xnnpack, fbgemm) with that\n"
            "backend's exact integer numerics, on NumPy .npy files (little-endian, C order).\n"
            "\n"
            "options:\n"
            "  --backend B           the backend whose plugin has the kernel (any case)\n"
            "  --in FILE             an input tensor, in the kernel's order (repeatable)\n"
            "  --attr NAME=V[,V...]  an attribute: numbers or fractions (1/256), one per channel\n"
            "                        where the kernel allows; dtype=int8 etc. for dtype attributes\n"
            "  -o, --output FILE     where an output goes, in order (repeatable); --out FILE is\n"
            "                        a deprecated spelling\n"
            "  --list                the backend's kernels and their signatures\n"
            "  -f, --format F        the --list format: text (default), json, tsv\n"
            "  --plugin-path DIR     look for backend plugins in DIR first (repeatable)\n"
            "  --allow-writable-plugins  load plugins from directories others may write\n"
            "  -q, --quiet           accepted by every opinfo tool; this one prints no summary\n"
            "  --color=WHEN          colour \"error\" and \"warning\" on stderr: auto (on a\n"
            "                        terminal), always or never\n"
            "  --db PATH             accepted by every opinfo tool; kernels do not use it\n"
            "  -V, --version         the version\n"
            "  -h, --help            this help\n"
            "\n"
            "Options and operands mix; long options may be abbreviated while unambiguous; '--'\n"
            "ends the options.\n"
            "kernels.md in " OPINFO_DOCDIR " documents every kernel's inputs, attributes and\n"
            "rounding.\n");
}

static void report(const opinfo_error_t *e)
{
    cli_print_error(e); /* names the file when the error has one */
}

static int print_row(int ncols, const char *const *cols, void *ud)
{
    (void)ud;
    if (ncols >= 2)
        printf("%-34s %s\n", cols[0], cols[1]);
    return 0;
}

/* the backends the plugins serve (column 4: comma-separated), for names people type */
static int collect_backends(int n, const char *const *c, void *ud)
{
    char *list = ud;
    if (n > 5 && c[4] && c[5] && (strcmp(c[5], "ok") == 0)) {
        size_t l = strlen(list);
        snprintf(list + l, 1024 - l, "%s%s", l ? "," : "", c[4]);
    }
    return 0;
}

/* One --attr NAME=V[,V...]; values are numbers, fractions, or dtype names. */
static int parse_attr(const char *spec, opinfo_kernel_attr *a, char **name_out, double **vals_out)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec) {
        fprintf(stderr, "%s: --attr %s: expected NAME=VALUE[,VALUE...]\n", cli_prog, spec);
        return -1;
    }
    size_t nlen = (size_t)(eq - spec), n = 1;
    for (const char *p = eq + 1; *p; p++)
        n += *p == ',';
    char *name = malloc(nlen + 1);
    double *vals = malloc(n * sizeof *vals);
    char *copy = strdup(eq + 1);
    if (!name || !vals || !copy) {
        free(name), free(vals), free(copy);
        fprintf(stderr, "%s: out of memory\n", cli_prog);
        return -1;
    }
    memcpy(name, spec, nlen);
    name[nlen] = '\0';
    size_t k = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        opinfo_dtype dt = opinfo_dtype_from_name(tok);
        opinfo_error_t err;
        opinfo_error_init(&err);
        if (dt != OPINFO_DTYPE_UNKNOWN)
            vals[k++] = dt;
        else if (opinfo_formula_eval(tok, 0, 0, 0, &vals[k], &err) == OPINFO_OK)
            k++;
        else {
            fprintf(stderr, "%s: --attr %s: \"%s\" is not a number, a fraction or a dtype\n",
                    cli_prog, name, tok);
            free(name), free(vals), free(copy);
            return -1;
        }
    }
    free(copy);
    if (k != n) {
        fprintf(stderr, "%s: --attr %s: an empty value\n", cli_prog, name);
        free(name), free(vals);
        return -1;
    }
    a->name = name;
    a->n = n;
    a->values = vals;
    *name_out = name;
    *vals_out = vals;
    return 0;
}

enum { OPT_BACKEND = CLI_OPT_TOOL, OPT_IN, OPT_OUT, OPT_ATTR, OPT_LIST, OPT_PLUGIN_PATH,
       OPT_ALLOW_WRITABLE };

static const struct option kernel_opts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"in", required_argument, NULL, OPT_IN},
    {"out", required_argument, NULL, OPT_OUT},
    {"attr", required_argument, NULL, OPT_ATTR},
    {"list", no_argument, NULL, OPT_LIST},
    {"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
    {"allow-writable-plugins", no_argument, NULL, OPT_ALLOW_WRITABLE},
    {NULL, 0, NULL, 0},
};

typedef struct kargs {
    cli_common *c;
    const char *backend, *ins[MAX_ARGS], *plugin_dirs[MAX_ARGS], *attr_specs[MAX_ARGS];
    size_t n_in, n_dirs, n_attr, plugin_flags;
    int list, old_out; /* old_out: --out was given (warned about after parsing, in --color) */
} kargs;

static int kernel_option(int opt, const char *name, const char *arg, void *ud)
{
    kargs *k = ud;
    size_t *count = opt == OPT_IN ? &k->n_in : opt == OPT_ATTR ? &k->n_attr
                    : opt == OPT_PLUGIN_PATH ? &k->n_dirs : opt == OPT_OUT ? &k->c->n_outputs
                                                                            : NULL;
    if (count && *count == MAX_ARGS)
        return cli_usage_error("at most %d of --%s", MAX_ARGS, name ? name : "?");
    switch (opt) {
    case OPT_BACKEND: k->backend = arg; break;
    case OPT_IN: k->ins[k->n_in++] = arg; break;
    case OPT_OUT:
        k->old_out = 1;
        k->c->outputs[k->c->n_outputs++] = k->c->output = arg;
        break;
    case OPT_ATTR: k->attr_specs[k->n_attr++] = arg; break;
    case OPT_LIST: k->list = 1; break;
    case OPT_PLUGIN_PATH: k->plugin_dirs[k->n_dirs++] = arg; break;
    case OPT_ALLOW_WRITABLE: k->plugin_flags |= OPINFO_PLUGINS_ALLOW_WRITABLE; break;
    default: return cli_usage_error("unknown option");
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *backend = NULL, *kernel = NULL, **ins, **outs;
    size_t n_in = 0, n_out = 0, n_attr = 0;
    opinfo_kernel_attr attrs[MAX_ARGS];
    char *attr_names[MAX_ARGS];
    double *attr_vals[MAX_ARGS];
    int list = 0, status = 2, first = argc;
    opinfo_tensor in_t[MAX_ARGS], out_t[MAX_ARGS];
    size_t loaded = 0, produced = 0;
    opinfo_plugins *plugins = NULL;
    opinfo_error_t err;
    opinfo_error_init(&err);
    memset(in_t, 0, sizeof in_t);
    memset(out_t, 0, sizeof out_t);
    cli_common c;
    memset(&c, 0, sizeof c);
    kargs k;
    memset(&k, 0, sizeof k);
    k.c = &c;

    if ((status = cli_parse(argc, argv, "", kernel_opts, &c, kernel_option, &k, &first)))
        goto done;
    if (k.old_out) {
        fprintf(stderr, "%s: ", cli_prog);
        cli_put_severity(stderr, "warning");
        fputs(": --out is deprecated; use -o/--output\n", stderr);
    }
    status = 2;
    if (c.help) {
        usage(stdout);
        status = 0;
        goto done;
    }
    if (c.version) {
        printf("opinfo-kernel %s (plugin ABI %s)\n", opinfo_version_str(),
               opinfo_plugin_abi_version());
        status = 0;
        goto done;
    }
    int fmt = cli_pick_format(c.format, cli_table_formats, "--list");
    if (fmt < 0)
        goto done;
    backend = k.backend;
    list = k.list;
    ins = k.ins;
    n_in = k.n_in;
    outs = c.outputs;
    n_out = c.n_outputs;
    for (; n_attr < k.n_attr; n_attr++)
        if (parse_attr(k.attr_specs[n_attr], &attrs[n_attr], &attr_names[n_attr],
                       &attr_vals[n_attr]))
            goto done;
    if (argc - first > 1) {
        cli_usage_error("one kernel per run (%s and %s given)", argv[first], argv[first + 1]);
        goto done;
    }
    if (argc - first == 1)
        kernel = argv[first];
    if (!backend) {
        cli_usage_error("--backend is required");
        goto done;
    }
    if (!list && !kernel) {
        cli_usage_error("name a kernel, or --list");
        goto done;
    }
    if (!list && !n_out) {
        cli_usage_error("-o/--output is required");
        goto done;
    }
    if (opinfo_plugins_open(k.plugin_dirs, k.n_dirs, k.plugin_flags, &plugins, &err)) {
        report(&err);
        goto done;
    }
    {
        /* the backend as typed: any case; an unknown one names the backends there are */
        char served[1024] = "";
        const char *choices[64];
        size_t nch = 0;
        if (opinfo_plugins_list(plugins, collect_backends, served, &err) == OPINFO_OK)
            for (char *save = NULL, *t = strtok_r(served, ",", &save); t && nch < 64;
                 t = strtok_r(NULL, ",", &save))
                choices[nch++] = t;
        opinfo_error_init(&err);
        const char *hit = nch ? cli_pick_name("backend", backend, choices, nch, 1) : backend;
        if (!hit)
            goto done;
        static char canon[128];
        snprintf(canon, sizeof canon, "%s", hit);
        backend = canon;
    }
    if (list) {
        cli_table *t = NULL;
        if (fmt != CLI_TABLE_TEXT) {
            static const char *const cols[] = {"kernel", "signature"};
            if (!(t = cli_table_new(2, cols, NULL))) {
                fprintf(stderr, "%s: out of memory\n", cli_prog);
                goto done;
            }
        }
        if (opinfo_kernel_list(plugins, backend, t ? cli_table_row_fn : print_row, t, &err)) {
            report(&err);
            cli_table_free(t);
            goto done;
        }
        if (t && cli_table_write(t, (cli_table_format)fmt, stdout) != 0)
            fprintf(stderr, "%s: out of memory\n", cli_prog);
        else
            status = 0;
        cli_table_free(t);
        goto done;
    }
    for (; loaded < n_in; loaded++)
        if (opinfo_npy_read(ins[loaded], &in_t[loaded], &err)) {
            report(&err);
            goto done;
        }
    if (opinfo_kernel_run(plugins, backend, kernel, in_t, n_in, attrs, n_attr, out_t, n_out,
                          &err)) {
        report(&err);
        goto done;
    }
    produced = n_out;
    for (size_t o = 0; o < n_out; o++)
        if (opinfo_npy_write(outs[o], &out_t[o], &err)) {
            report(&err);
            goto done;
        }
    status = 0;
done:
    for (size_t i = 0; i < loaded; i++)
        opinfo_tensor_release(&in_t[i]);
    for (size_t i = 0; i < produced; i++)
        opinfo_tensor_release(&out_t[i]);
    for (size_t i = 0; i < n_attr; i++)
        free(attr_names[i]), free(attr_vals[i]);
    opinfo_plugins_close(plugins);
    return status;
}
