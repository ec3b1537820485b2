/* Library version and the ordering of data release versions (docs/constraint-format.md). */
#include <ctype.h>
#include <string.h>

#include "internal.h"

const char *opinfo_version_str(void) { return OPINFO_VERSION; }

uint32_t opinfo_version_number(void) { return OPINFO_VERSION_HEX; }

/* Where the suffix starts: the first character after the leading digits and dots. */
static const char *suffix_start(const char *s)
{
    while (isdigit((unsigned char)*s) || *s == '.')
        s++;
    return s;
}

/* The weight of a character inside a run of non-digits, as in Debian's ordering: '~' before the
 * end of the run, the end (or a digit) next, then letters, then everything else. The '-' that
 * starts a suffix marks a pre-release and weighs as '~'. */
static int weight(const char *p, const char *suffix)
{
    unsigned char ch = (unsigned char)*p;
    if (ch == '-' && p == suffix)
        ch = '~';
    if (ch == '~')
        return -1;
    if (ch == '\0' || isdigit(ch))
        return 0;
    if (isalpha(ch))
        return ch;
    return ch + 256;
}

/* Debian's version ordering (Debian Policy 5.6.12, upstream_version): runs of non-digits are
 * compared by weight, runs of digits by their numeric value, so "2.9" < "2.41", "2.0" == "2.00",
 * "2.0~rc1" == "2.0-rc1" < "2.0" < "2.0+1" < "2.0.1". */
int opinfo_version_compare(const char *a, const char *b)
{
    if (!a || !b)
        return a == b ? 0 : (a ? 1 : -1);
    const char *sa = suffix_start(a), *sb = suffix_start(b);
    while (*a || *b) {
        while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
            int wa = weight(a, sa), wb = weight(b, sb);
            if (wa != wb)
                return wa < wb ? -1 : 1;
            a++; /* equal non-zero weights: neither is at its end */
            b++;
        }
        while (*a == '0')
            a++;
        while (*b == '0')
            b++;
        size_t la = 0, lb = 0;
        while (isdigit((unsigned char)a[la]))
            la++;
        while (isdigit((unsigned char)b[lb]))
            lb++;
        if (la != lb)
            return la < lb ? -1 : 1;
        int c = memcmp(a, b, la);
        if (c)
            return c < 0 ? -1 : 1;
        a += la;
        b += lb;
    }
    return 0;
}
