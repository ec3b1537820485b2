/* cli.c: option parsing shared by the command-line tools (cli.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "../core/internal.h"

int cli_take_value(int argc, char **argv, int *i, const char **out)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (eq && arg[0] == '-' && arg[1] == '-') {
        *out = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", cli_prog, arg);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

int cli_opt_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli_write_output(const char *path, const char *text)
{
    char msg[1200];
    if (!path)
        path = "-";
    if (strcmp(path, "-") == 0 && fflush(stdout) != 0) {
        fprintf(stderr, "%s: <stdout>: cannot write\n", cli_prog);
        return -1;
    }
    if (oi_outfile_write(path, text, strlen(text), msg, sizeof msg) != 0) {
        fprintf(stderr, "%s: %s\n", cli_prog, msg);
        return -1;
    }
    return 0;
}

static void put_file(void *ud, const char *p, size_t n) { fwrite(p, 1, n, ud); }

void cli_put_escaped(FILE *f, const char *s)
{
    oi_escape(s, OI_ESCAPE_TEXT, put_file, f); /* core/escape.c */
}
