/* common.h: the option grammar, error wording and listing formats the three tools share.
 *
 * Options are parsed with getopt_long: operands and options mix (GNU permutation), short options
 * bundle (-qfjson), values attach (-fjson, --format=json) or follow (-f json, --format json),
 * long options abbreviate while unambiguous (--form), and "--" ends the options. Every tool
 * takes -o/--output, -f/--format, -q/--quiet, -V/--version, --db, --color and -h/--help.
 * A usage error is one line, "TOOL: what is wrong (try 'TOOL --help')", and exit status 2. */
#ifndef OPINFO_CLI_COMMON_H
#define OPINFO_CLI_COMMON_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "opinfo.h"

#define CLI_EXIT_USAGE 2

/* getopt_long values of the shared long-only options; a tool's own start at CLI_OPT_TOOL */
enum { CLI_OPT_DB = 0x100, CLI_OPT_COLOR, CLI_OPT_TOOL = 0x200 };

typedef enum { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color_mode;

typedef struct cli_common {
    const char *output; /* -o FILE: NULL or "-" is stdout; the last -o when several */
    const char *outputs[16]; /* every -o in order (opinfo-kernel's outputs) */
    size_t n_outputs;
    const char *format; /* -f F as given, NULL when not */
    const char *db;     /* --db PATH */
    int quiet;          /* -q */
    cli_color_mode color;
    int help, version;  /* -h, -V: the tool prints and exits 0 */
} cli_common;

/* A tool's own option: opt is its getopt_long value, name the long name it matched (NULL for a
 * short option), arg its value or NULL. 0, or an exit status after a message on stderr. */
typedef int (*cli_option_fn)(int opt, const char *name, const char *arg, void *ud);

/* Parses argv. short_opts: the tool's own short options in getopt syntax ("" when none);
 * tool_opts: its long options, terminated by a zeroed entry. On success, 0, and the operands are
 * argv[*first .. argc-1] in order. Otherwise the exit status, after one line on stderr. */
int cli_parse(int argc, char **argv, const char *short_opts, const struct option *tool_opts,
              cli_common *c, cli_option_fn fn, void *ud, int *first);

/* The same as a loop, for tools that keep their options in local variables:
 *     cli_parser p;
 *     if (cli_begin(&p, argc, argv, "", opts, &c) == 0)
 *         while ((opt = cli_next(&p, &name, &arg)) > 0)
 *             switch (opt) { ... } (p.status = an exit status stops the loop)
 *     if ((status = cli_end(&p, &first))) return status;
 * cli_next returns a tool option's value, 0 at the end, -1 after an error message. */
typedef struct cli_parser {
    int argc, nops, done, status;
    char **argv, **ops;
    struct option *all;
    size_t nall;
    char shorts[160];
    cli_common *c;
} cli_parser;
int cli_begin(cli_parser *p, int argc, char **argv, const char *short_opts,
              const struct option *tool_opts, cli_common *c);
int cli_next(cli_parser *p, const char **name, const char **arg);
int cli_end(cli_parser *p, int *first);

/* "PROG: MESSAGE (try 'PROG --help')" on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A library error, gcc style: "FILE:LINE:COL: error: TEXT", or "PROG: error: TEXT" when it names
 * no file. File and text are written escaped (they may hold a model's names). */
void cli_print_error(const opinfo_error_t *e);

/* The index of value in names (NULL-terminated). value NULL: 0 (the first is the default).
 * Unknown: -1 after "PROG: unknown --format \"V\" for WHAT (one of: a, b, c)". */
int cli_pick_format(const char *value, const char *const *names, const char *what);

/* Should text written to f carry colour? --color=always/never, else a terminal without NO_COLOR
 * and with a TERM other than "dumb". */
int cli_color_on(const cli_common *c, FILE *f);
/* The same for the --color the last cli_begin/cli_next parsed (auto before any). */
int cli_color_stream(FILE *f);
/* A severity word, "error", "warning" or "note", coloured as the text report colours it (bold
 * red, magenta, cyan) when cli_color_stream(f): every tool's errors and warnings on stderr. */
void cli_put_severity(FILE *f, const char *word);

/* ---- listings: one table, three renderings ------------------------------------------------ */

typedef enum { CLI_TABLE_TEXT = 0, CLI_TABLE_JSON, CLI_TABLE_TSV } cli_table_format;

extern const char *const cli_table_formats[]; /* "text", "json", "tsv", NULL */

typedef struct cli_table cli_table;

/* columns: the header names, also the JSON keys; numeric: one character per column, 'n' (a number
 * in JSON when the value reads as one), 'j' (the value is JSON text, embedded as such) or '.'
 * (a string), or NULL. */
cli_table *cli_table_new(size_t ncols, const char *const *columns, const char *numeric);
/* Appends a row of ncols values (NULL: absent; copied). -1 when out of memory. */
int cli_table_add(cli_table *t, const char *const *values);
size_t cli_table_rows(const cli_table *t);
/* text: the header as "# a  b  c", then columns padded to their widths (the last unpadded);
 * tsv: the header, then one tab-separated line per row, tabs, newlines and backslashes in values
 * written \t, \n, \\, absent values empty; json: an array of objects, absent values null. */
int cli_table_write(const cli_table *t, cli_table_format fmt, FILE *f);
void cli_table_free(cli_table *t);
/* An opinfo_row_fn that appends every row to the cli_table passed as userdata. */
int cli_table_row_fn(int ncols, const char *const *cols, void *table);

/* opinfo-db show and opinfo-check --explain in json (an object: the op, its aliases, every
 * variant with its ports' constraints and, with a SoC, whether the SoC's arch has it) or tsv (one
 * row per variant and port). -1 when out of memory. */
int cli_write_op(FILE *out, cli_table_format fmt, const opinfo_op *op, const opinfo_soc *soc);

/* ---- names people type (names.c) ------------------------------------------------------------- */

/* The name among choices[0..n-1] typed means: itself when it is one, else the one choice equal
 * to it ignoring case. NULL when none or several: then, when what is not NULL,
 * "PROG: unknown WHAT "TYPED"; did you mean "X"? (choices: a, b, c)" on stderr, the suggestion
 * being the nearest choice by edit distance, ignoring case, when it is near enough, and the list
 * of choices only when list_choices (a short list). */
const char *cli_pick_name(const char *what, const char *typed, const char *const *choices,
                          size_t n, int list_choices);
/* The nearest of choices to typed (case ignored), or NULL when none is near enough. */
const char *cli_nearest(const char *typed, const char *const *choices, size_t n);

/* Resolves a backend, a SoC (a name such as SM8650 or a marketing name such as
 * "Snapdragon 8 Gen 3", from the SoC's "marketing_name" attribute) and an op (a name or an alias)
 * as typed against the database. *out: the canonical name (owned by the database handle or
 * typed itself; static until the next call). 0; OPINFO_ENOTFOUND after a message on stderr
 * naming the choices; another code after a message when the database fails. */
int cli_resolve_backend(opinfo_db *db, const char *typed, const char **out);
int cli_resolve_soc(opinfo_db *db, const char *backend, const char *release, const char *typed,
                    const char **out);
int cli_resolve_op(opinfo_db *db, const char *backend, const char *release, const char *typed,
                   const char **out);
/* Frees what the resolvers keep. */
void cli_names_free(void);

#endif
