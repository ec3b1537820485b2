/* config.h: opinfo-check's project file (.opinfo.json, docs/adoption.md), found upward from the
 * first input. Values keep where they came from, for --show-config. */
#ifndef OPINFO_CLI_CONFIG_H
#define OPINFO_CLI_CONFIG_H

#include <stddef.h>

#define CLI_CONFIG_NAME ".opinfo.json"

typedef struct cli_setting {
    const char *value;  /* NULL: not set */
    char origin[300];   /* "--soc", ".opinfo.json:3:10", "default" */
} cli_setting;

typedef struct cli_per_path {
    const char *glob; /* relative to the config file's directory; fnmatch(3), '*' crosses '/' */
    cli_setting select, ignore;
} cli_per_path;

typedef struct cli_config {
    char *path; /* NULL when none was found */
    char *dir;  /* its directory, absolute */
    void *root; /* the parsed document (json_t), owning the strings below */
    cli_setting backend, soc, release, select, ignore;
    cli_setting rules_url; /* the base of the rules' links (--rules-url), checked */
    cli_per_path *per_path;
    size_t n_per_path;
    char **owned; /* joined select/ignore lists */
    size_t n_owned;
} cli_config;

/* Finds CLI_CONFIG_NAME in start_dir or above and reads it. 0: read (or none found); 2 (exit
 * status), with "FILE:LINE:COL: error: ..." on stderr, when the file is malformed. */
int cli_config_find(const char *start_dir, cli_config *c);
/* Reads path. Same results. */
int cli_config_read(const char *path, cli_config *c);
void cli_config_free(cli_config *c);

/* The per-path entry that applies to input (a path as given), or NULL. */
const cli_per_path *cli_config_for(const cli_config *c, const char *input);

#endif
