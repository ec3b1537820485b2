/* cli.h: what the command-line tools share: option parsing. Each tool sets cli_prog. */
#ifndef OPINFO_CLI_H
#define OPINFO_CLI_H

extern const char *cli_prog;

/* The value of option argv[*i]: "--name=value" or the next argument (advancing *i). -1, with a
 * message on stderr, when there is none. */
int cli_take_value(int argc, char **argv, int *i, const char **out);

/* argv matches --name or --name=... */
int cli_opt_is(const char *arg, const char *name);

#endif
