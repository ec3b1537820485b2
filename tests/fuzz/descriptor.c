/* Fuzz target: the loader's check of a plugin's descriptor (loader/loader_internal.h), on
 * descriptors built from the input as a plugin could build them: every pointer valid, strings
 * NUL-terminated, lists NULL-terminated, tables as long as their counts, but any field missing,
 * empty or odd. Each descriptor is allocated only as large as the ABI it declares, so a read of
 * a member its version does not have shows under AddressSanitizer. What the check accepts then
 * goes through what the loader and a listing do with it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../loader/loader_internal.h"
#include "opinfo/plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *p;
    size_t n;
    void *owned[512]; /* everything allocated for one descriptor */
    size_t n_owned;
} input;

static void *own(input *in, void *p)
{
    if (!p)
        abort();
    if (in->n_owned == sizeof in->owned / sizeof in->owned[0]) {
        free(p);
        return NULL;
    }
    in->owned[in->n_owned++] = p;
    return p;
}

static unsigned byte(input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static uint64_t u64(input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(in);
    return v;
}

/* A string: NULL, or up to 255 bytes of the input, NUL-terminated in its own allocation. */
static const char *str(input *in)
{
    unsigned len = byte(in);
    if (len == 0xff)
        return NULL;
    if (len > in->n)
        len = (unsigned)in->n;
    char *s = own(in, malloc(len + 1));
    if (!s)
        return NULL;
    memcpy(s, in->p, len);
    s[len] = '\0';
    in->p += len;
    in->n -= len;
    return s;
}

/* A NULL-terminated list of up to 15 strings (an entry that comes out NULL ends it early), or
 * NULL. */
static const char *const *list(input *in)
{
    unsigned k = byte(in);
    if (k & 0x80)
        return NULL;
    k &= 15;
    const char **l = own(in, calloc(k + 1, sizeof *l));
    if (!l)
        return NULL;
    for (unsigned i = 0; i < k; i++)
        l[i] = str(in);
    return l;
}

static int check_stub(const opinfo_host_api *api, void *host, const opinfo_plugin_node *node,
                      const char *soc)
{
    (void)api, (void)host, (void)node, (void)soc;
    return 0;
}

static int annotate_stub(const opinfo_host_api *api, void *host, const char *config,
                         const char *soc, char *error, size_t error_size)
{
    (void)api, (void)host, (void)config, (void)soc, (void)error, (void)error_size;
    return 0;
}

static void kernel_stub(void) {}

/* The size of the descriptor a plugin of this ABI version declares: a plugin of another major
 * promises only the version fields; one of minor 0 ends before kernel_signatures, one of minor 1
 * before rules. */
static size_t declared_size(uint32_t major, uint32_t minor)
{
    if (major != OPINFO_PLUGIN_ABI_MAJOR)
        return offsetof(opinfo_plugin, name);
    if (minor == 0)
        return offsetof(opinfo_plugin, kernel_signatures);
    if (minor == 1)
        return offsetof(opinfo_plugin, rules);
    return sizeof(opinfo_plugin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size, {0}, 0};
    unsigned v = byte(&in);
    uint32_t major = v < 0xf0 ? OPINFO_PLUGIN_ABI_MAJOR : v - 0xf0;
    uint32_t minor = byte(&in) % 4;
    size_t dsize = declared_size(major, minor);
    /* the fields are filled in a full struct, and only the declared part is copied out */
    opinfo_plugin full;
    memset(&full, 0, sizeof full);
    full.abi_major = major;
    full.abi_minor = minor;
    unsigned flags = byte(&in);
    full.name = str(&in);
    full.version = str(&in);
    full.backends = list(&in);
    full.socs = list(&in);
    full.check = flags & 1 ? check_stub : NULL;
    full.annotate = flags & 2 ? annotate_stub : NULL;
    full.configs = list(&in);
    if (flags & 4) { /* a count with no table behind it */
        full.n_kernels = (size_t)u64(&in);
    } else {
        unsigned nk = byte(&in) % 9;
        opinfo_plugin_kernel *k = nk ? own(&in, calloc(nk, sizeof *k)) : NULL;
        for (unsigned i = 0; k && i < nk; i++) {
            k[i].name = str(&in);
            k[i].fn = byte(&in) & 1 ? kernel_stub : NULL;
        }
        full.n_kernels = k ? nk : 0;
        full.kernels = k;
        if (k && flags & 8) {
            const char **sig = own(&in, calloc(nk, sizeof *sig));
            for (unsigned i = 0; sig && i < nk; i++)
                sig[i] = str(&in);
            full.kernel_signatures = sig;
        }
    }
    if (flags & 64) { /* documented rules (ABI 1.2): ids, summaries and the rest from the input */
        unsigned nr = byte(&in) % 5;
        const opinfo_plugin_rule **rl = own(&in, calloc(nr + 1, sizeof *rl));
        for (unsigned i = 0; rl && i < nr; i++) {
            opinfo_plugin_rule *r = own(&in, calloc(1, sizeof *r));
            if (!r)
                break;
            r->id = str(&in);
            r->summary = str(&in);
            r->description = str(&in);
            r->fix = str(&in);
            rl[i] = r;
        }
        full.rules = rl;
    }
    if (flags & 16) { /* constraint data: exactly as long as declared */
        const char *c = str(&in);
        full.constraints = c;
        full.constraints_len = c ? strlen(c) : 0;
    } else {
        full.constraints_len = flags & 32 ? (size_t)u64(&in) : 0;
    }
    opinfo_plugin *d = malloc(dsize);
    if (!d)
        abort();
    memcpy(d, &full, dsize);

    char *why = oi_plugin_check_descriptor(d, "fuzz/plugin.so");
    if (!why) {
        /* accepted: what the loader and a listing read of a plugin */
        /* buffers as a listing has them, each followed by a guard: a write past the size it
         * was given may land in memory the sanitizer cannot tell from a neighbour's */
        static unsigned char backends[512 + 4096], configs[512 + 4096];
        memset(backends, 0xa5, sizeof backends);
        memset(configs, 0xa5, sizeof configs);
        oi_plugin_describe(d, (char *)backends, 512, (char *)configs, 512);
        for (size_t i = 512; i < sizeof backends; i++)
            if (backends[i] != 0xa5 || configs[i] != 0xa5) {
                fprintf(stderr, "fuzz-descriptor: describe wrote past its buffers\n");
                abort();
            }
        if (!memchr(backends, '\0', 512) || !memchr(configs, '\0', 512))
            abort();
        (void)oi_plugin_serves(d, "qnn-htp");
        for (size_t i = 0; d->backends[i]; i++)
            if (!oi_plugin_serves(d, d->backends[i]))
                abort();
        for (size_t i = 0; i < d->n_kernels; i++) {
            const char *sig = d->abi_minor >= 1 && d->kernel_signatures ? d->kernel_signatures[i]
                                                                        : "";
            if (!d->kernels[i].name[0] || !d->kernels[i].fn || !sig)
                abort();
        }
        for (size_t i = 0; oi_plugin_rule_at(d, i); i++) {
            const opinfo_plugin_rule *r = oi_plugin_rule_at(d, i);
            if (!r->id || !strchr(r->id, '/') || !r->summary || !r->summary[0])
                abort();
        }
    } else if (!strstr(why, "fuzz/plugin.so: ")) {
        fprintf(stderr, "fuzz-descriptor: a refusal that does not name the file: %s\n", why);
        abort();
    }
    free(why);
    free(d);
    for (size_t i = 0; i < in.n_owned; i++)
        free(in.owned[i]);
    return 0;
}
