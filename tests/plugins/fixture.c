/*
 * The loader's fixture plugins: one source, one shared object per -D flag (tests/plugins/
 * fixtures.mk builds them into $(BUILD)/tests/fixtures/<kind>.so). Each sees nothing of the host
 * but include/opinfo/plugin.h, exactly as a vendor's plugin does.
 *
 *   FIXTURE_GOOD           backend "fixture", name "fixture", version "1.2.3", one kernel "noop",
 *                          a check that emits nothing, one documented rule "fixture/no-op"
 *   FIXTURE_WRONG_MAJOR    as GOOD, built for ABI 2.0
 *   FIXTURE_NEWER_MINOR    as GOOD, built for the host's minor + 1
 *   FIXTURE_INIT_FAILS     the entry fails with "no license for this chip"
 *   FIXTURE_NO_NAME        the descriptor has no name
 *   FIXTURE_NO_ENTRY       exports some other function, not opinfo_plugin_entry
 *   FIXTURE_OTHER_BACKEND  serves backend "elsewhere" only
 *   FIXTURE_ABI_1_0        as GOOD, but an ABI 1.0 plugin: its descriptor ends where 1.0's
 *                          did (no kernel signatures), in storage exactly that long, so a host
 *                          reading a 1.1 member of it reads out of bounds (ASan, valgrind)
 *   FIXTURE_ABI_1_1        as GOOD, but an ABI 1.1 plugin: its descriptor ends before the rules
 *                          (1.2), in storage exactly that long
 *   FIXTURE_BAD_RULE       documents a rule whose id is not its own ("arch-gate")
 *
 * All but NO_ENTRY also export fixture_entry_calls(), so a test can see how often the host ran
 * the entry of a loaded image.
 */
#include <stddef.h>
#include <string.h>

#include "opinfo/plugin.h"

#if defined(FIXTURE_GOOD) + defined(FIXTURE_WRONG_MAJOR) + defined(FIXTURE_NEWER_MINOR) +        \
        defined(FIXTURE_INIT_FAILS) + defined(FIXTURE_NO_NAME) + defined(FIXTURE_NO_ENTRY) +     \
        defined(FIXTURE_OTHER_BACKEND) + defined(FIXTURE_ABI_1_0) + defined(FIXTURE_ABI_1_1) + \
        defined(FIXTURE_BAD_RULE) !=                                                      \
    1
#error "define exactly one FIXTURE_* kind"
#endif

#if defined(FIXTURE_WRONG_MAJOR)
#define FIXTURE_ABI_MAJOR 2
#define FIXTURE_ABI_MINOR 0
#elif defined(FIXTURE_ABI_1_0)
#define FIXTURE_ABI_MAJOR 1
#define FIXTURE_ABI_MINOR 0
#elif defined(FIXTURE_ABI_1_1)
#define FIXTURE_ABI_MAJOR 1
#define FIXTURE_ABI_MINOR 1
#elif defined(FIXTURE_NEWER_MINOR)
#define FIXTURE_ABI_MAJOR OPINFO_PLUGIN_ABI_MAJOR
#define FIXTURE_ABI_MINOR (OPINFO_PLUGIN_ABI_MINOR + 1)
#else
#define FIXTURE_ABI_MAJOR OPINFO_PLUGIN_ABI_MAJOR
#define FIXTURE_ABI_MINOR OPINFO_PLUGIN_ABI_MINOR
#endif

#if defined(FIXTURE_NO_NAME)
#define FIXTURE_NAME NULL
#else
#define FIXTURE_NAME "fixture"
#endif

#if defined(FIXTURE_OTHER_BACKEND)
static const char *const backends[] = {"elsewhere", NULL};
#else
static const char *const backends[] = {"fixture", NULL};
#endif

static int check(const opinfo_host_api *api, void *host, const opinfo_plugin_node *node,
                 const char *soc)
{
    (void)api;
    (void)host;
    (void)node;
    (void)soc;
    return 0;
}

static void noop(void)
{
}

static const opinfo_plugin_kernel kernels[] = {{"noop", noop}};

/* Constraint data the plugin ships (opinfo-db import --from-plugin). */
static const char constraints[] =
    "{\"opinfo_constraints\": 1, \"backend\": \"fixture\",\n"
    " \"release\": {\"version\": \"1.2.3\", \"date\": \"2026-01-01\",\n"
    "             \"source\": \"the fixture plugin's embedded data\"},\n"
    " \"archs\": [{\"name\": \"generic\", \"rank\": 0}], \"socs\": [],\n"
    " \"ops\": [{\"name\": \"Relu\", \"ports\": [{\"name\": \"input\", \"kind\": \"input\"},\n"
    "   {\"name\": \"output\", \"kind\": \"output\"}],\n"
    "   \"variants\": [{\"name\": \"u8\", \"ports\": {\"input\": {\"dtype\": \"uint8\"},\n"
    "     \"output\": {\"dtype\": \"uint8\", \"shared_with\": \"input\"}}}]}]}\n";

/* The rules its checks would emit (ABI 1.2). */
#if FIXTURE_ABI_MAJOR == OPINFO_PLUGIN_ABI_MAJOR && FIXTURE_ABI_MINOR >= 2
static const opinfo_plugin_rule rule_no_op = {
#if defined(FIXTURE_BAD_RULE)
    .id = "arch-gate",
#else
    .id = "fixture/no-op",
#endif
    .summary = "the fixture's rule",
    .description = "Documents nothing real: the loader's tests read it back.",
    .example = "x.json:1:1: error: n: nothing [fixture/no-op]",
    .fix = "None needed.",
    .help_uri = "https://example.invalid/rules/fixture/no-op.md",
};
static const opinfo_plugin_rule *const rules[] = {&rule_no_op, NULL};
#endif

static opinfo_plugin descriptor = {
    .abi_major = FIXTURE_ABI_MAJOR,
    .abi_minor = FIXTURE_ABI_MINOR,
    .name = FIXTURE_NAME,
    .version = "1.2.3",
    .backends = backends,
    .socs = NULL,
    .check = check,
    .n_kernels = sizeof kernels / sizeof kernels[0],
    .kernels = kernels,
    .constraints = constraints,
    .constraints_len = sizeof constraints - 1,
#if FIXTURE_ABI_MAJOR == OPINFO_PLUGIN_ABI_MAJOR && FIXTURE_ABI_MINOR >= 2
    .rules = rules,
#endif
};

#if defined(FIXTURE_NO_ENTRY)

/* A plausible typo of the entry: exported, but not the symbol the host looks up. */
OPINFO_PLUGIN_EXPORT int opinfo_plugin_init(opinfo_plugin_base *base);
OPINFO_PLUGIN_EXPORT int opinfo_plugin_init(opinfo_plugin_base *base)
{
    base->plugin = &descriptor;
    return 0;
}

#else

/* How often the entry ran in this loaded image: a probe for the tests (the host calls the entry
 * once per load), found with dlopen(RTLD_NOLOAD) + dlsym. Not something a real plugin exports. */
static int entry_calls;
OPINFO_PLUGIN_EXPORT int fixture_entry_calls(void);
OPINFO_PLUGIN_EXPORT int fixture_entry_calls(void)
{
    return entry_calls;
}

OPINFO_PLUGIN_DECLARE_ENTRY;
OPINFO_PLUGIN_DECLARE_ENTRY
{
    entry_calls++;
#if defined(FIXTURE_INIT_FAILS)
    (void)descriptor;
    const char msg[] = "no license for this chip";
    memcpy(base->error, msg, sizeof msg);
    return 1;
#elif defined(FIXTURE_ABI_1_0)
    /* the 1.0 layout: everything before kernel_signatures, and not one byte more */
    static _Alignas(opinfo_plugin) unsigned char v10[offsetof(opinfo_plugin, kernel_signatures)];
    memcpy(v10, &descriptor, sizeof v10);
    base->plugin = (opinfo_plugin *)(void *)v10;
    return 0;
#elif defined(FIXTURE_ABI_1_1)
    /* the 1.1 layout: everything before rules, and not one byte more */
    static _Alignas(opinfo_plugin) unsigned char v11[offsetof(opinfo_plugin, rules)];
    memcpy(v11, &descriptor, sizeof v11);
    base->plugin = (opinfo_plugin *)(void *)v11;
    return 0;
#else
    base->plugin = &descriptor;
    return 0;
#endif
}

#endif
