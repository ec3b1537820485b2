/* Checks a qgraph for a backend and SoC and prints the diagnostics, as opinfo-check does:
 *   check FILE BACKEND [SOC]
 * Exit status 0 when clean, 1 on violations, 2 when the check could not run. */
#include <stdio.h>
#include <stdlib.h>

#include <opinfo.h>

static int fail(const opinfo_error_t *e)
{
    /* every error names where it happened: a file and position, or the database */
    if (e->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", e->source, e->line, e->column, e->text);
    else
        fprintf(stderr, "%s: error: %s\n", e->source[0] ? e->source : "opinfo", e->text);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s FILE BACKEND [SOC]\n", argv[0]);
        return 2;
    }
    opinfo_error_t e;
    opinfo_error_init(&e);

    /* NULL: the database installed with the library ($OPINFO_DB overrides it), read-only */
    opinfo_db *db;
    if (opinfo_db_open(NULL, OPINFO_DB_READONLY, &db, &e) != OPINFO_OK)
        return fail(&e);

    opinfo_qgraph *g;
    if (opinfo_qgraph_load(argv[1], 0, &g, &e) != OPINFO_OK) {
        opinfo_db_close(db);
        return fail(&e);
    }

    /* Zeroed options are the defaults: strict mode, every diagnostic, the release the database
     * calls latest, and plugins = NULL, which loads the installed backend plugins as
     * opinfo-check does (set OPINFO_CHECK_NO_PLUGINS in flags for the database alone). */
    opinfo_check_options opt = {0};
    opt.size = sizeof opt;
    opt.backend = argv[2];
    opt.soc = argc > 3 ? argv[3] : NULL;

    int status = 2;
    opinfo_report *report = opinfo_report_new();
    if (!report)
        fprintf(stderr, "out of memory\n");
    else if (opinfo_check(db, g, &opt, report, &e) != OPINFO_OK)
        fail(&e);
    else {
        char *text = NULL;
        if (opinfo_report_write(report, OPINFO_FORMAT_TEXT, &text, &e) != OPINFO_OK)
            fail(&e);
        else {
            fputs(text, stdout);
            free(text);
            status = opinfo_report_errors(report) ? 1 : 0;
        }
    }
    opinfo_report_free(report);
    opinfo_qgraph_free(g);
    opinfo_db_close(db);
    return status;
}
