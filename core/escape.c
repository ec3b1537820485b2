/*
 * escape.c: names from a model written so that they cannot act on their reader (libc only: the
 * tools link it too). Text (a terminal, a gcc-style report line): C0 and C1 controls and DEL as
 * \n, \t, \r, \xNN, \u00NN; the bidi controls and U+2028/2029 as \u202e. XML (JUnit): the same
 * controls (XML 1.0 forbids them even as character references), U+FFFE and U+FFFF, and the five
 * specials as entities. An invalid UTF-8 byte as \xNN. Backslashes are not doubled: a name cannot
 * start a line or an escape sequence, which is what matters. docs/hardening.md.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Length of the valid UTF-8 sequence at s (1-4), and its code point; 0 when invalid. */
int oi_utf8_at(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
          : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!n)
        return 0;
    unsigned v = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0; /* overlong, out of range, surrogate */
    *cp = v;
    return n;
}

static int hostile(unsigned cp, int xml_mode)
{
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
        return 1;
    if (xml_mode)
        return cp == 0xfffe || cp == 0xffff;
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

void oi_escape(const char *s, int mode, void (*put)(void *ud, const char *p, size_t n), void *ud)
{
    const unsigned char *u = (const unsigned char *)s;
    int xml_mode = mode == OI_ESCAPE_XML;
    char tmp[16];
    for (size_t i = 0; u && u[i];) {
        unsigned cp = 0;
        int n = oi_utf8_at(u + i, &cp);
        const char *e = NULL;
        if (!n) {
            snprintf(tmp, sizeof tmp, "\\x%02x", u[i]);
            put(ud, tmp, strlen(tmp));
            i++;
            continue;
        }
        if (hostile(cp, xml_mode)) {
            e = cp == '\n' ? "\\n" : cp == '\t' ? "\\t" : cp == '\r' ? "\\r" : NULL;
            if (!e) {
                snprintf(tmp, sizeof tmp, cp < 0x80 ? "\\x%02x" : "\\u%04x", cp);
                e = tmp;
            }
        } else if (xml_mode)
            e = cp == '<' ? "&lt;" : cp == '>' ? "&gt;" : cp == '&' ? "&amp;"
              : cp == '"' ? "&quot;" : cp == '\'' ? "&apos;" : NULL;
        if (e)
            put(ud, e, strlen(e));
        else
            put(ud, (const char *)u + i, (size_t)n);
        i += (size_t)n;
    }
}
