/* The report as GitHub Actions workflow commands (docs/adoption.md): one line per diagnostic,
 *   ::error file=F,line=L,col=C,title=opinfo RULE::NODE: MESSAGE%0Afix: FIX%0Adocumentation: URL
 * which the Actions runner turns into an annotation on the file, the rule's page (--rules-url)
 * on its last line. Every value is escaped as the
 * runner decodes it (% CR LF in the message; also : and , in properties), so a name from the
 * model can never end a command or start another; other control characters are written
 * visibly (\x1b), as in the text report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validator_internal.h"

static void put(oi_buf *b, const char *s, int property)
{
    for (const unsigned char *u = (const unsigned char *)s; u && *u; u++) {
        if (*u == '%')
            oi_buf_puts(b, "%25");
        else if (*u == '\r')
            oi_buf_puts(b, "%0D");
        else if (*u == '\n')
            oi_buf_puts(b, "%0A");
        else if (property && *u == ':')
            oi_buf_puts(b, "%3A");
        else if (property && *u == ',')
            oi_buf_puts(b, "%2C");
        else if (*u < 0x20 || *u == 0x7f)
            oi_buf_printf(b, "\\x%02x", *u);
        else
            oi_buf_add(b, (const char *)u, 1);
    }
}

char *oi_write_github(const opinfo_report *r)
{
    oi_buf b;
    oi_buf_init(&b);
    for (size_t i = 0; i < opinfo_report_count(r); i++) {
        const opinfo_diag *d = opinfo_report_get(r, i);
        oi_buf_puts(&b, d->severity == OPINFO_SEVERITY_ERROR     ? "::error file="
                        : d->severity == OPINFO_SEVERITY_WARNING ? "::warning file="
                                                                 : "::notice file=");
        put(&b, d->file, 1);
        if (d->line > 0)
            oi_buf_printf(&b, ",line=%d", d->line);
        if (d->line > 0 && d->column > 0) /* col is optional: a Python frame has none */
            oi_buf_printf(&b, ",col=%d", d->column);
        oi_buf_puts(&b, ",title=opinfo ");
        put(&b, d->rule, 1);
        oi_buf_puts(&b, "::");
        if (d->node_index >= 0 && d->line <= 0)
            oi_buf_printf(&b, "node %ld: ", d->node_index);
        if (d->node) {
            put(&b, d->node, 0);
            oi_buf_puts(&b, ": ");
        }
        put(&b, d->message, 0);
        if (d->fix) {
            oi_buf_puts(&b, "%0Afix: ");
            put(&b, d->fix, 0);
        }
        char *link = oi_report_rule_link(r, d->rule);
        if (link) {
            oi_buf_puts(&b, "%0Adocumentation: ");
            put(&b, link, 0);
            free(link);
        }
        oi_buf_puts(&b, "\n");
    }
    return oi_buf_steal(&b);
}
