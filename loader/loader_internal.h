/* The loader's checks of a plugin's descriptor, shared with the tests (tests/fuzz/descriptor.c).
 * Internal: not part of the public API, not exported from the shared library. */
#ifndef OPINFO_LOADER_INTERNAL_H
#define OPINFO_LOADER_INTERNAL_H

#include <stddef.h>

#include "../core/internal.h"
#include "opinfo/plugin.h"

/* Checks the descriptor a plugin's entry returned, as the loader does before it keeps the
 * plugin: the ABI version first (nothing past abi_major/abi_minor is read when it does not
 * match), then the required fields, reading only the members the declared ABI minor covers.
 * NULL when the descriptor is fine, else the reason for refusing it, naming path (malloc'd;
 * free() it). */
OPINFO_INTERNAL char *oi_plugin_check_descriptor(const opinfo_plugin *d, const char *path);

/* Rule i (0-based) a descriptor documents, or NULL past the end, and for a plugin older than
 * ABI 1.2 (which has no rules member: nothing beyond its declared minor is read). */
OPINFO_INTERNAL const opinfo_plugin_rule *oi_plugin_rule_at(const opinfo_plugin *d, size_t i);

/* A plugin's rule as the library's opinfo_rule_info (the strings stay the plugin's). */
OPINFO_INTERNAL void oi_plugin_rule_info(const opinfo_plugin *d, const opinfo_plugin_rule *r,
                                         opinfo_rule_info *out);

/* Whether a checked descriptor lists backend among the backends it serves. */
OPINFO_INTERNAL int oi_plugin_serves(const opinfo_plugin *d, const char *backend);

/* The comma-separated backends and configs of a checked descriptor, as a listing shows them,
 * cut to fit the buffers (each of size >= 1, always NUL-terminated). */
OPINFO_INTERNAL void oi_plugin_describe(const opinfo_plugin *d, char *backends,
                                        size_t backends_size, char *configs,
                                        size_t configs_size);

#endif /* OPINFO_LOADER_INTERNAL_H */
