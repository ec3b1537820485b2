/* opinfo-kernel: runs a backend's reference kernel on NumPy .npy files, so that its numerics can
 * be compared with any framework. A thin shell over opinfo_kernel_run and opinfo_npy_*.
 * Exit status: 0 done, 2 usage, input or kernel error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opinfo.h"
#include "opinfo/plugin.h"

#include "cli.h"

const char *cli_prog = "opinfo-kernel";

#define MAX_ARGS 16

static void usage(FILE *f)
{
    fprintf(f,
            "usage: opinfo-kernel --backend B NAME [--in X.npy]... [--attr NAME=V[,V...]]...\n"
            "                     --out Y.npy [--out Z.npy]...\n"
            "       opinfo-kernel --backend B --list\n"
            "\n"
            "Runs the reference kernel NAME of backend B (qnn-htp, xnnpack, fbgemm) with that\n"
            "backend's exact integer numerics, on NumPy .npy files (little-endian, C order).\n"
            "\n"
            "options:\n"
            "  --backend B           the backend whose plugin has the kernel\n"
            "  --in FILE             an input tensor, in the kernel's order (repeatable)\n"
            "  --attr NAME=V[,V...]  an attribute: numbers or fractions (1/256), one per channel\n"
            "                        where the kernel allows; dtype=int8 etc. for dtype attributes\n"
            "  --out FILE            where an output goes, in order (repeatable)\n"
            "  --list                the backend's kernels and their signatures\n"
            "  --plugin-path DIR     look for backend plugins in DIR first (repeatable)\n"
            "  --allow-writable-plugins  load plugins from directories others may write\n"
            "  -h, --help            this help\n"
            "  --version             the version\n"
            "\n"
            "kernels.md in " OPINFO_DOCDIR " documents every kernel's inputs, attributes and\n"
            "rounding.\n");
}

static void report(const opinfo_error_t *e)
{
    fprintf(stderr, "%s: error: %s\n", cli_prog, e->text);
}

static int print_row(int ncols, const char *const *cols, void *ud)
{
    (void)ud;
    if (ncols >= 2)
        printf("%-34s %s\n", cols[0], cols[1]);
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

int main(int argc, char **argv)
{
    const char *backend = NULL, *kernel = NULL, *ins[MAX_ARGS], *outs[MAX_ARGS];
    const char *plugin_dirs[MAX_ARGS];
    size_t n_in = 0, n_out = 0, n_attr = 0, n_dirs = 0, plugin_flags = 0;
    opinfo_kernel_attr attrs[MAX_ARGS];
    char *attr_names[MAX_ARGS];
    double *attr_vals[MAX_ARGS];
    int list = 0, status = 2;
    opinfo_tensor in_t[MAX_ARGS], out_t[MAX_ARGS];
    size_t loaded = 0, produced = 0;
    opinfo_plugins *plugins = NULL;
    opinfo_error_t err;
    opinfo_error_init(&err);
    memset(in_t, 0, sizeof in_t);
    memset(out_t, 0, sizeof out_t);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            status = 0;
            goto done;
        } else if (strcmp(a, "--version") == 0) {
            printf("opinfo-kernel %s (plugin ABI %s)\n", opinfo_version_str(),
                   opinfo_plugin_abi_version());
            status = 0;
            goto done;
        } else if (strcmp(a, "--list") == 0)
            list = 1;
        else if (strcmp(a, "--allow-writable-plugins") == 0)
            plugin_flags |= OPINFO_PLUGINS_ALLOW_WRITABLE;
        else if (cli_opt_is(a, "--backend")) {
            if (cli_take_value(argc, argv, &i, &backend))
                goto done;
        } else if (cli_opt_is(a, "--in") || cli_opt_is(a, "--out") ||
                   cli_opt_is(a, "--plugin-path") || cli_opt_is(a, "--attr")) {
            if (cli_take_value(argc, argv, &i, &v))
                goto done;
            int is_in = cli_opt_is(a, "--in"), is_out = cli_opt_is(a, "--out");
            size_t *count = is_in ? &n_in : is_out ? &n_out : cli_opt_is(a, "--attr") ? &n_attr
                                                                                   : &n_dirs;
            if (*count == MAX_ARGS) {
                fprintf(stderr, "%s: at most %d of %s\n", cli_prog, MAX_ARGS, a);
                goto done;
            }
            if (is_in)
                ins[n_in++] = v;
            else if (is_out)
                outs[n_out++] = v;
            else if (cli_opt_is(a, "--plugin-path"))
                plugin_dirs[n_dirs++] = v;
            else {
                if (parse_attr(v, &attrs[n_attr], &attr_names[n_attr], &attr_vals[n_attr]))
                    goto done;
                n_attr++;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "%s: unknown option %s (see --help)\n", cli_prog, a);
            goto done;
        } else if (!kernel)
            kernel = a;
        else {
            fprintf(stderr, "%s: one kernel per run (%s and %s given)\n", cli_prog, kernel, a);
            goto done;
        }
    }
    if (!backend) {
        fprintf(stderr, "%s: --backend is required (see --help)\n", cli_prog);
        goto done;
    }
    if (!list && !kernel) {
        fprintf(stderr, "%s: name a kernel, or --list (see --help)\n", cli_prog);
        goto done;
    }
    if (!list && !n_out) {
        fprintf(stderr, "%s: --out is required\n", cli_prog);
        goto done;
    }
    if (opinfo_plugins_open(plugin_dirs, n_dirs, plugin_flags, &plugins, &err)) {
        report(&err);
        goto done;
    }
    if (list) {
        if (opinfo_kernel_list(plugins, backend, print_row, NULL, &err)) {
            report(&err);
            goto done;
        }
        status = 0;
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
