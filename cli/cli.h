/* cli.h: what the command-line tools share: option parsing. Each tool sets cli_prog. */
#ifndef OPINFO_CLI_H
#define OPINFO_CLI_H

/* Where the documentation is installed; --help names it. */
#ifndef OPINFO_DOCDIR
#define OPINFO_DOCDIR "/usr/local/share/doc/opinfo"
#endif

extern const char *cli_prog;

/* The value of option argv[*i]: "--name=value" or the next argument (advancing *i). -1, with a
 * message on stderr, when there is none. */
int cli_take_value(int argc, char **argv, int *i, const char **out);

/* argv matches --name or --name=... */
int cli_opt_is(const char *arg, const char *name);

/* Writes text to path ("-" or NULL: stdout) through core/outfile.c: never half a file, never a
 * device replaced, never a symlink followed. -1, with a message naming path on stderr. */
int cli_write_output(const char *path, const char *text);

/* s with control characters (and C1 controls, bidi controls, U+2028/9) written visibly: \n,
 * \x1b, \u202e. For names from a model on a terminal: they never forge a line or an escape. */
#include <stdio.h>
void cli_put_escaped(FILE *f, const char *s);

#endif
