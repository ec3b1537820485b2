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

void cli_put_escaped(FILE *f, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; u && u[i]; i++) {
        unsigned c = u[i];
        if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else if (c == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) /* C1: U+0080..U+009F */
            fprintf(f, "\\u%04x", u[++i]);
        else if (c == 0xe2 && ((u[i + 1] == 0x80 && (u[i + 2] == 0x8e || u[i + 2] == 0x8f ||
                                                     (u[i + 2] >= 0xa8 && u[i + 2] <= 0xae))) ||
                               (u[i + 1] == 0x81 && u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9))) {
            /* U+200E/F, U+2028..U+202E, U+2066..U+2069: line breaks and bidi controls */
            fprintf(f, "\\u%04x", 0x2000u | (u[i + 1] & 0x3fu) << 6 | (u[i + 2] & 0x3fu));
            i += 2;
        } else
            fputc((int)c, f);
    }
}
