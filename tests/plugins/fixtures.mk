# The loader's fixture plugins (tests/plugins/fixture.c, one shared object per kind), built into
# $(BUILD)/tests/fixtures/<kind>.so with nothing but include/opinfo/plugin.h, as a vendor would.
# Included by the main Makefile; tests/unit/test_loader.c copies them into scratch directories.

FIXTURE_KINDS := good wrong-major newer-minor init-fails no-name no-entry other-backend abi-1-0 abi-1-1 bad-rule
FIXTURES := $(FIXTURE_KINDS:%=$(BUILD)/tests/fixtures/%.so)

# kind -> the -D flag that selects it in fixture.c
FIXTURE_DEF_good := FIXTURE_GOOD
FIXTURE_DEF_wrong-major := FIXTURE_WRONG_MAJOR
FIXTURE_DEF_newer-minor := FIXTURE_NEWER_MINOR
FIXTURE_DEF_init-fails := FIXTURE_INIT_FAILS
FIXTURE_DEF_no-name := FIXTURE_NO_NAME
FIXTURE_DEF_no-entry := FIXTURE_NO_ENTRY
FIXTURE_DEF_other-backend := FIXTURE_OTHER_BACKEND
FIXTURE_DEF_abi-1-0 := FIXTURE_ABI_1_0
FIXTURE_DEF_abi-1-1 := FIXTURE_ABI_1_1
FIXTURE_DEF_bad-rule := FIXTURE_BAD_RULE

FIXTURE_CFLAGS = -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -Iinclude $(SAN)

$(BUILD)/tests/fixtures/%.so: tests/plugins/fixture.c include/opinfo/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -D$(FIXTURE_DEF_$*) $(CFLAGS) $(LDFLAGS) -o $@ $<

fixtures: $(FIXTURES)
.PHONY: fixtures

$(TESTBIN): $(FIXTURES)
