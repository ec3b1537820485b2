# opinfo - one Makefile builds the library, the tools, the default database and the tests.
#
#   make              library (shared + static), opinfo-db, the default database, opinfo.pc
#   make check        everything, the unit and CLI tests, then again under ASan+UBSan and
#                     under valgrind; the exported-symbol and data-schema checks
#   make install      PREFIX=/usr/local DESTDIR=
#
# User CFLAGS/LDFLAGS are appended to ours, never replace them.

.SECONDEXPANSION:

VERSION_MAJOR := $(shell sed -n 's/^\#define OPINFO_MAJOR_VERSION \([0-9]*\)/\1/p' include/opinfo.h)
VERSION_MINOR := $(shell sed -n 's/^\#define OPINFO_MINOR_VERSION \([0-9]*\)/\1/p' include/opinfo.h)
VERSION_MICRO := $(shell sed -n 's/^\#define OPINFO_MICRO_VERSION \([0-9]*\)/\1/p' include/opinfo.h)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_MICRO)

PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
libdir ?= $(exec_prefix)/lib
includedir ?= $(prefix)/include
datadir ?= $(prefix)/share
pkgconfigdir ?= $(libdir)/pkgconfig
docdir ?= $(datadir)/doc/opinfo
mandir ?= $(datadir)/man
man1dir ?= $(mandir)/man1
bashcompdir ?= $(datadir)/bash-completion/completions
cmakedir ?= $(libdir)/cmake/opinfo
# Where SARIF's helpUri and --explain point for a rule's page (docs/rules/<id>.md): the installed
# docs by default; a project that publishes the repository can name its docs/rules/ URL instead.
RULES_URL ?= file://$(docdir)/rules/

CC ?= cc
BUILD ?= build
INSTALL ?= install
PYTHON ?= /usr/bin/python3
# The Python package goes where $(PYTHON) looks for prefix's packages (cmake/pythondir.py: Debian's
# python3 reads /usr/lib/python3/dist-packages and /usr/local/lib/python3.X/dist-packages).
ifeq ($(origin pythondir),undefined)
pythondir := $(shell $(PYTHON) cmake/pythondir.py '$(prefix)')
endif
VALGRIND ?= valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --track-fds=no --quiet

OPT ?= -O2 -g
# The kernels' hot loops are written to vectorize; plain -O2 does not try.
PLUGIN_OPT ?= -ftree-vectorize
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
BASE_CFLAGS := -std=c11 $(OPT) $(WARN) -D_POSIX_C_SOURCE=200809L -Iinclude \
               -DOPINFO_DATADIR='"$(datadir)"' -DOPINFO_PLUGINDIR='"$(libdir)/opinfo/plugins"' \
               -DOPINFO_DOCDIR='"$(docdir)"' -DOPINFO_RULES_URL='"$(RULES_URL)"'
LIB_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden
ALL_CFLAGS = $(LIB_CFLAGS) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS := -lsqlite3 -ljansson -ldl -lm
LIBS += -lprotobuf-c

SONAME := libopinfo.so.$(VERSION_MAJOR)
# The library's parts, one folder each: shared code, the database, the qgraph checker, ONNX Runtime's
# TensorQuantOverrides (check and fix), the plugin loader; the ONNX reader.
LIB_DIRS := core db validator overrides loader
LIB_DIRS += onnx
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_HDRS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.h))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# The ONNX reader's protobuf code: protoc-c compiles onnx/onnx.proto into $(BUILD)/gen/onnx/.
ONNX_PB := $(BUILD)/gen/onnx/onnx.pb-c
LIB_OBJS += $(BUILD)/obj/gen/onnx.pb-c.o
LIB_CFLAGS += -I$(BUILD)/gen
TEST_SRCS := $(wildcard tests/unit/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
DATA := $(sort $(wildcard db/data/*/*.json))

SHLIB := $(BUILD)/lib/libopinfo.so.$(VERSION)
STLIB := $(BUILD)/lib/libopinfo.a
TOOLS := $(BUILD)/bin/opinfo-db $(BUILD)/bin/opinfo-check $(BUILD)/bin/opinfo-kernel
DEFAULT_DB := $(BUILD)/share/opinfo/opinfo.db
TESTBIN := $(BUILD)/tests/opinfo-tests

# What a Debian machine needs to build and test everything (make deps installs it).
DEBIAN_PACKAGES := build-essential pkg-config libsqlite3-dev sqlite3 libjansson-dev libcmocka-dev \
                   libprotobuf-c-dev protobuf-c-compiler \
                   valgrind python3 python3-jsonschema python3-numpy python3-onnx libonnx-testdata \
                   python3-torch python3-torchvision clang libclang-rt-14-dev
DEBIAN_PACKAGES += help2man man-db cmake python3-venv python3-setuptools python3-wheel
# the pre-commit hook (.pre-commit-hooks.yaml) is exercised by Debian's pre-commit: precommit-test
DEBIAN_PACKAGES += pre-commit git
# make deb-test: building the Debian packages, lintian, a clean bookworm root
DEBIAN_PACKAGES += debhelper dh-python dpkg-dev fakeroot lintian debootstrap

.PHONY: all deps lib tools db plugins bench bench-kernels check test python-test truth-more precommit-test integration unit cli-test cases-test annotate-test kernel-test bad-inputs-test check-exports check-data asan valgrind \
        fuzz fuzz-build fuzz-smoke fuzz-regress \
        install uninstall test-install man clean c11 cppcheck compile_commands standard_variables

PLUGINS := qnn-htp xnnpack fbgemm
PLUGIN_SOS := $(PLUGINS:%=$(BUILD)/lib/opinfo/plugins/%.so)

all: lib tools db plugins $(BUILD)/opinfo.pc

# In-tree plugins: built exactly as a vendor would, against include/opinfo/plugin.h alone, and
# installed where the loader looks (libdir/opinfo/plugins).
plugins: $(PLUGIN_SOS)

# xnnpack and fbgemm share the annotation engine of PyTorch's CPU backends (plugins/common).
# All three share the kernels' argument checking (plugins/common/kernel_util).
TORCH_COMMON := plugins/common/torch_annotate.c plugins/common/torch_annotate.h
KERNEL_COMMON := plugins/common/kernel_util.c plugins/common/kernel_util.h
PLUGIN_COMMON_xnnpack := $(TORCH_COMMON) $(KERNEL_COMMON)
PLUGIN_COMMON_fbgemm := $(TORCH_COMMON) $(KERNEL_COMMON)
PLUGIN_COMMON_qnn-htp := $(KERNEL_COMMON)

$(BUILD)/lib/opinfo/plugins/%.so: $$(wildcard plugins/%/*.c plugins/%/*.h) $$(PLUGIN_COMMON_%) include/opinfo/plugin.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) $(PLUGIN_OPT) $(WARN) -D_POSIX_C_SOURCE=200809L -Iinclude -fPIC -shared \
	  -DOPINFO_RULES_URL='"$(RULES_URL)"' \
	  -fvisibility=hidden $(SAN) $(CFLAGS) -o $@ $(filter %.c,$^) -lm $(LDFLAGS)

deps:
	@if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(DEBIAN_PACKAGES) >/dev/null

lib: $(SHLIB) $(STLIB)
tools: $(TOOLS)
db: $(DEFAULT_DB)

$(BUILD)/obj/%.o: %.c $(wildcard include/*.h include/opinfo/*.h tests/unit/*.h) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The installed paths are compiled in (the database, the plugins, the docs): the objects that use
# them are rebuilt when they change, so `make install PREFIX=P` installs a library (shared and
# static) and tools that look under P, not under the prefix of an earlier build.
PATHS_STAMP := $(BUILD)/paths.txt
PATHS_NOW := $(datadir) $(libdir) $(docdir) $(RULES_URL)
$(shell mkdir -p $(BUILD) && { echo '$(PATHS_NOW)' | cmp -s - $(PATHS_STAMP) || \
  echo '$(PATHS_NOW)' > $(PATHS_STAMP); })
$(BUILD)/obj/validator/rules.o $(PLUGIN_SOS) \
$(BUILD)/obj/db/db.o $(BUILD)/obj/loader/loader.o $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c)): \
  $(PATHS_STAMP)

# Man pages: help2man from each tool's --help and --version, with the installed paths (built by
# `make man` and `make install`, so a plain `make` does not need help2man).
MANPAGES := $(TOOLS:$(BUILD)/bin/%=$(BUILD)/man/%.1)
MAN_NAME_opinfo-check := check quantized-graph annotations against a backend's constraints
MAN_NAME_opinfo-db := query, import and compare opinfo's constraint database
MAN_NAME_opinfo-kernel := run a backend's reference kernel with its exact integer numerics
$(BUILD)/man/%.1: $(BUILD)/bin/% man/%.h2m man/help2man.sh
	@mkdir -p $(dir $@)
	sed -e 's|@DATADIR@|$(datadir)|g' -e 's|@LIBDIR@|$(libdir)|g' -e 's|@DOCDIR@|$(docdir)|g' \
	  man/$*.h2m > $@.h2m
	OPINFO_TOOL=$< OPINFO_DB=$(datadir)/opinfo/opinfo.db help2man -N --no-discard-stderr \
	  --version-string "$* $(VERSION)" --name "$(MAN_NAME_$*)" --include $@.h2m -o $@.new \
	  ./man/help2man.sh
	rm -f $@.h2m
	mv $@.new $@
man: $(MANPAGES)

# The CMake package config: relocatable (paths from its own place).
SIZEOF_VOID_P := $(shell echo | $(CC) -dM -E - | sed -n 's/^\#define __SIZEOF_POINTER__ //p')
CMAKE_SED = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' \
  -e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' \
  -e "s|@CMAKE_TO_PREFIX@|$$(realpath -m --relative-to='$(cmakedir)' '$(prefix)')|g" \
  -e "s|@LIBDIR_REL@|$$(realpath -m --relative-to='$(prefix)' '$(libdir)')|g" \
  -e "s|@INCLUDEDIR_REL@|$$(realpath -m --relative-to='$(prefix)' '$(includedir)')|g"

$(ONNX_PB).c: onnx/onnx.proto
	@mkdir -p $(dir $@)
	protoc-c --proto_path=onnx --c_out=$(dir $@) onnx/onnx.proto
$(ONNX_PB).h: $(ONNX_PB).c
	@test -f $@ || { rm -f $<; $(MAKE) $<; }

# generated code: compiled with our flags but its own warnings
$(BUILD)/obj/gen/onnx.pb-c.o: $(ONNX_PB).c $(ONNX_PB).h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(filter $(BUILD)/obj/onnx/%,$(LIB_OBJS)): $(ONNX_PB).h

$(SHLIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
	ln -sf libopinfo.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/lib/libopinfo.so

$(STLIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# Tools link the shared library and find it beside themselves ($ORIGIN/../lib).
CLI_COMMON := $(BUILD)/obj/cli/cli.o $(BUILD)/obj/core/outfile.o $(BUILD)/obj/core/escape.o
# the shared option grammar, listings (JSON through jansson) and names people type
CLI_COMMON += $(BUILD)/obj/cli/common.o $(BUILD)/obj/cli/names.o
$(BUILD)/bin/%: $(BUILD)/obj/cli/%.o $(CLI_COMMON) $(SHLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -L$(BUILD)/lib -lopinfo -ljansson -lm -Wl,-rpath,'$$ORIGIN/../lib'
# opinfo-check reads its project file (.opinfo.json) with jansson
$(BUILD)/bin/opinfo-check: $(BUILD)/obj/cli/config.o $(BUILD)/obj/core/jsonpos.o

# The default database: every release under db/data, compiled in one transaction. Built beside
# and renamed, so a failed import never leaves a half-built database behind.
$(DEFAULT_DB): $(DATA) $(BUILD)/bin/opinfo-db
	@mkdir -p $(dir $@)
	rm -f $@.new $@.new-wal $@.new-shm $@-wal $@-shm
	$(BUILD)/bin/opinfo-db --db $@.new init >/dev/null
	$(BUILD)/bin/opinfo-db --db $@.new import $(DATA)
	sqlite3 $@.new 'PRAGMA journal_mode=DELETE' >/dev/null # shipped read-only: docs/architecture.md
	mv $@.new $@

PC_SED = sed -e 's|@PREFIX@|$(prefix)|' -e 's|@LIBDIR@|$(libdir)|' \
             -e 's|@INCLUDEDIR@|$(includedir)|' -e 's|@VERSION@|$(VERSION)|'

$(BUILD)/opinfo.pc: opinfo.pc.in include/opinfo.h
	@mkdir -p $(dir $@)
	$(PC_SED) $< > $@

# ---- tests ------------------------------------------------------------------------------------

include tests/plugins/fixtures.mk

$(TESTBIN): $(TEST_OBJS) $(STLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJS) $(STLIB) -lcmocka $(LIBS)

TEST_ENV = OPINFO_TEST_SRCDIR=$(CURDIR) OPINFO_TEST_BUILDDIR=$(CURDIR)/$(BUILD) \
           OPINFO_DB=$(CURDIR)/$(DEFAULT_DB)

# unit: the cmocka suite; cli-test: the tools end to end. $(RUN) prefixes both (valgrind).
unit: all $(TESTBIN)
	$(TEST_ENV) $(RUN) $(TESTBIN)

cli-test: all $(FIXTURES)
	$(TEST_ENV) RUN="$(RUN)" sh tests/cli/run.sh $(BUILD)

cases-test: all
	$(TEST_ENV) RUN="$(RUN)" $(PYTHON) tests/cases/run.py $(BUILD)

# The annotation round trip: every plugin, SoC and config on the float examples.
annotate-test: all
	$(TEST_ENV) RUN="$(RUN)" sh tests/annotate/roundtrip.sh $(BUILD)

# The reference kernels end to end: opinfo-kernel, ONNX's test data, PyTorch's quantization.
kernel-test: all
	$(TEST_ENV) RUN="$(RUN)" PYTHON=$(PYTHON) sh tests/kernels/run.sh $(BUILD)

# Malformed inputs of every format, each with its exact error (tests/bad-inputs/run.sh).
bad-inputs-test: all
	$(TEST_ENV) RUN="$(RUN)" sh tests/bad-inputs/run.sh $(BUILD)

# ONNX Runtime's TensorQuantOverrides: validation rules, the mixed-precision fixer, its property
# test (tests/overrides/run.sh).
overrides-test: all
	$(TEST_ENV) RUN="$(RUN)" bash tests/overrides/run.sh $(BUILD)

# --fix on every golden case, re-checked (tests/autofix/run.sh).
autofix-test: all
	$(TEST_ENV) RUN="$(RUN)" bash tests/autofix/run.sh $(BUILD)

# docs/c-api.md's program, compiled and run on the library's defaults
c-api-test: all
	RUN="$(RUN)" SAN="$(SAN)" sh tests/c-api/run.sh $(BUILD)

# Allocation-failure injection (every allocation of a validation, an import, a plugin load and
# the overrides fixer fails in turn; under valgrind every 97th, as every one would take an hour)
# and database faults (tests/faults/; their timing wants the tools without valgrind).
$(BUILD)/bin/allocfail: tests/faults/allocfail.c $(STLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o $@ $< \
	  $(STLIB) $(LIBS)

faults-test: all $(BUILD)/bin/allocfail
	@mkdir -p $(BUILD)/scratch
	$(TEST_ENV) $(RUN) $(BUILD)/bin/allocfail $(ALLOCFAIL_STRIDE)
	$(TEST_ENV) sh tests/faults/db-faults.sh $(BUILD)

# The longest first, so that make -j spreads them well (under valgrind cli-test takes longest).
test: cli-test cases-test annotate-test autofix-test bad-inputs-test overrides-test unit kernel-test \
      faults-test fuzz-regress c-api-test

# Today's quantizers in a Debian 13 root (PyTorch 2.6, ONNX Runtime 1.21): tests/integration/.
# Needs root; the first run builds the root (about 3 minutes and 2 GB), later runs reuse it.
TRIXIE_ROOT ?= /var/tmp/opinfo-trixie
integration: all
	sh tests/integration/run.sh $(TRIXIE_ROOT)

# The Python package (bindings/python/opinfo) with Debian's python3, torch 1.13 and onnx: the
# binding, the FX exporter on torchvision models, the ONNX exporter and opinfo-check model.onnx.
# Not under the sanitizers' builds: Python would need their runtimes preloaded.
python-test: all
	$(TEST_ENV) OPINFO_LIBRARY=$(CURDIR)/$(SHLIB) PYTHONPATH=$(CURDIR)/bindings/python:$(CURDIR)/tests/python \
	  $(PYTHON) -W ignore::UserWarning -m unittest discover -s tests/python -p 'test_*.py'

# The ground truth by execution on the wider model set (tests/python/zoo_more.py: 14 more
# torchvision models and small models of other ops); 2 to 3 minutes, outside make check.
truth-more: all
	$(TEST_ENV) OPINFO_LIBRARY=$(CURDIR)/$(SHLIB) PYTHONPATH=$(CURDIR)/bindings/python:$(CURDIR)/tests/python \
	  OPINFO_TRUTH_ZOO=more $(PYTHON) -W ignore::UserWarning -m unittest test_fx_truth

# The Debian packages (debian/): built with DEB_BUILD_OPTIONS=nocheck (the tests are the rest of
# this file), lintian without errors, installed with apt into a copy of a clean Debian bookworm
# root (debootstrapped once into BOOKWORM_ROOT), the README's main job and the Python package run
# there as an unprivileged user (tests/debian/run.sh; needs root).
BOOKWORM_ROOT ?= /var/tmp/opinfo-bookworm
.PHONY: deb-test
deb-test:
	sh tests/debian/run.sh $(BOOKWORM_ROOT)
# docs/rules/<id>.md: each rule's page, rendered from validator/rules.c and the in-tree plugins'
# rule descriptions (docs/render-rules.sh); committed, and tests/cli/rules.sh (make cli-test)
# checks they equal what the build renders.
rule-docs: all
	rm -rf docs/rules && sh docs/render-rules.sh $(BUILD) docs/rules
.PHONY: rule-docs

check-exports: $(SHLIB) $(PLUGIN_SOS)
	nm -D --defined-only $(SHLIB) | awk '$$2 ~ /^[TDBR]$$/ {print $$3}' | sort > $(BUILD)/exports.txt
	diff -u tests/exports.txt $(BUILD)/exports.txt
	@for so in $(PLUGIN_SOS); do \
	  got=$$(nm -D --defined-only $$so | awk '$$2 ~ /^[TDBR]$$/ {print $$3}' | sort | tr '\n' ' '); \
	  if [ "$$got" != "opinfo_plugin_entry " ]; then \
	    echo "$$so exports '$$got', not just opinfo_plugin_entry"; exit 1; fi; done
	@echo "exports: libopinfo matches tests/exports.txt; each plugin exports opinfo_plugin_entry only"

check-data:
	$(PYTHON) tests/check_schema.py
	$(PYTHON) tests/check_qgraph_schema.py

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

valgrind:
	$(MAKE) BUILD=build/valgrind OPT="-O1 -g" RUN="$(VALGRIND)" ALLOCFAIL_STRIDE=97 test

# The pre-commit hook of .pre-commit-hooks.yaml through Debian's pre-commit, offline (a few
# seconds; examples/ci/ has the CI examples it goes with).
precommit-test: all
	sh tests/ci/precommit.sh $(BUILD)

# valgrind first: with make -j its suites start at once (they take longest, by far).
check: valgrind asan test python-test check-exports check-data test-install precommit-test
	@echo "make check: all suites passed"


# ---- fuzzing (tests/fuzz/README.md) ------------------------------------------------------------
#
#   make fuzz FUZZ_SECONDS=N   every target for N seconds on a scratch copy of its seed corpus
#   make fuzz-smoke            the same for 20 seconds each (CI)
#   make fuzz-regress          (part of make test) replays tests/fuzz/regressions/ and the seed
#                              corpora with $(CC), so also under make asan and make valgrind
#
# The targets are built with clang and libFuzzer, AddressSanitizer and UBSan, against the library
# and the plugins compiled the same way into their own directory.

FUZZ_TARGETS := $(sort $(basename $(notdir $(filter-out tests/fuzz/replay.c,$(wildcard tests/fuzz/*.c)))))
FUZZ_CC ?= clang
FUZZ_DIR ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g $(WARN) -D_POSIX_C_SOURCE=200809L -Iinclude $(FUZZ_SAN)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB_OBJS += $(FUZZ_DIR)/obj/gen/onnx.pb-c.o
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/bin/fuzz-%)
FUZZ_PLUGIN_SOS := $(PLUGINS:%=$(FUZZ_DIR)/lib/opinfo/plugins/%.so)
FUZZ_DB := $(FUZZ_DIR)/share/opinfo/opinfo.db
FUZZ_HEADERS := $(wildcard include/*.h include/opinfo/*.h) $(LIB_HDRS)

$(FUZZ_DIR)/obj/gen/onnx.pb-c.o: $(ONNX_PB).c $(ONNX_PB).h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(BUILD)/gen -fsanitize=fuzzer-no-link -fvisibility=hidden \
	  -Wno-missing-prototypes -c $< -o $@

$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_HEADERS) $(ONNX_PB).h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(BUILD)/gen -fsanitize=fuzzer-no-link -fvisibility=hidden \
	  -DOPINFO_DATADIR='"$(datadir)"' -DOPINFO_PLUGINDIR='"$(libdir)/opinfo/plugins"' -c $< -o $@

$(FUZZ_DIR)/bin/fuzz-%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(LIBS)

$(FUZZ_DIR)/lib/opinfo/plugins/%.so: $$(wildcard plugins/%/*.c plugins/%/*.h) $$(PLUGIN_COMMON_%) include/opinfo/plugin.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -fPIC -shared -fvisibility=hidden \
	  -o $@ $(filter %.c,$^) -lm

$(FUZZ_DB): $(DEFAULT_DB)
	@mkdir -p $(dir $@)
	cp $< $@

FUZZ_ENV = OPINFO_DB=$(abspath $(FUZZ_DB)) OPINFO_PLUGIN_PATH=$(abspath $(FUZZ_DIR)/lib/opinfo/plugins)

# kept between runs: the fuzz binaries share them
.SECONDARY: $(FUZZ_LIB_OBJS)

fuzz-build: $(FUZZ_BINS) $(FUZZ_PLUGIN_SOS) $(FUZZ_DB)

fuzz: fuzz-build
	$(FUZZ_ENV) sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=20

# The targets again, built with $(CC) and a plain main (tests/fuzz/replay.c) against the static
# library: no clang needed, and $(SAN)/$(RUN) apply.
$(BUILD)/tests/fuzz-replay-%: tests/fuzz/%.c tests/fuzz/replay.c $(STLIB) $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SAN) $(CFLAGS) -o $@ $(filter %.c,$^) $(STLIB) $(LIBS) $(SAN) $(LDFLAGS)

fuzz-regress: all $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz-replay-%)
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz regressions: $$t"; \
	  $(TEST_ENV) OPINFO_PLUGIN_PATH=$(CURDIR)/$(BUILD)/lib/opinfo/plugins \
	    $(RUN) $(BUILD)/tests/fuzz-replay-$$t tests/fuzz/regressions/$$t tests/fuzz/corpus/$$t \
	    || exit 1; done

# ---- benchmarks (figures only; no thresholds) ---------------------------------------------------

# decoder layers of 26 nodes: 10^3, 10^4, 10^5 and 10^6 nodes (the last file is 0.5 GB)
BENCH_SIZES ?= 40 400 4000 40000

$(BUILD)/bin/bench_check: bench/bench_check.c $(SHLIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -lopinfo -ljansson -lm \
	  -Wl,-rpath,'$$ORIGIN/../lib'

$(BUILD)/bin/bench_chain: bench/bench_chain.c $(SHLIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -lopinfo -lm -Wl,-rpath,'$$ORIGIN/../lib'

# shared_with chains of 10^4..10^5 tensors: fails when the time grows faster than linearly
bench-chain: all $(BUILD)/bin/bench_chain
	OPINFO_DB=$(CURDIR)/$(DEFAULT_DB) $(BUILD)/bin/bench_chain 10000 30000 100000

$(BUILD)/bin/bench_kernels: bench/bench_kernels.c $(SHLIB)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -lopinfo -lm -Wl,-rpath,'$$ORIGIN/../lib'

# The kernels alone: requantize next to memcpy, linear/conv2d GOPS.
bench-kernels: all $(BUILD)/bin/bench_kernels
	OPINFO_PLUGIN_PATH=$(CURDIR)/$(BUILD)/lib/opinfo/plugins $(BUILD)/bin/bench_kernels

# Every figure of docs/performance.md: check time against the parse at 10^3..10^6 nodes, the
# log-log slope, peak RSS; cold start next to sqlite3; the kernels; Python next to PyTorch's own
# check (needs Debian's python3 with torch and torchvision).
bench: all $(BUILD)/bin/bench_check bench-kernels bench-chain
	@mkdir -p $(BUILD)/bench
	@for n in $(BENCH_SIZES); do f=$(BUILD)/bench/llm-$$n.qgraph.json; \
	  [ -f $$f ] || $(PYTHON) bench/gen_qgraph.py --layers $$n --calibrated -o $$f; done
	OPINFO_DB=$(CURDIR)/$(DEFAULT_DB) $(BUILD)/bin/bench_check \
	  $(foreach n,$(BENCH_SIZES),$(BUILD)/bench/llm-$(n).qgraph.json)
	sh bench/bench_cold.sh $(BUILD)
	$(PYTHON) bench/bench_overrides.py $(BUILD)/bin $(DEFAULT_DB) $(BUILD)/bench
	OPINFO_LIBRARY=$(CURDIR)/$(SHLIB) OPINFO_DB=$(CURDIR)/$(DEFAULT_DB) \
	  PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/bench_python.py
	OPINFO_LIBRARY=$(CURDIR)/$(SHLIB) OPINFO_DB=$(CURDIR)/$(DEFAULT_DB) \
	  PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/bench_python_parts.py
	OPINFO_LIBRARY=$(CURDIR)/$(SHLIB) OPINFO_DB=$(CURDIR)/$(DEFAULT_DB) \
	  PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/bench_python_first.py
	$(PYTHON) bench/bench_import.py
	$(PYTHON) bench/bench_onnx.py $(BUILD)
	$(PYTHON) bench/bench_stream.py $(BUILD)

# ---- install ------------------------------------------------------------------------------------

# The user documentation --help and the man pages name (in docdir).
INSTALL_DOCS := README.md $(addprefix docs/,qgraph.md rules.md autofix.md overrides.md kernels.md \
                c-api.md plugin-abi.md python.md constraint-format.md adoption.md \
                real-models.md backendopinfo-dump.md cli.md)

install: all man
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) \
	  $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(datadir)/opinfo
	$(INSTALL) -m 755 $(TOOLS) $(DESTDIR)$(bindir)/
	$(INSTALL) -m 644 $(SHLIB) $(STLIB) $(DESTDIR)$(libdir)/
	ln -sf libopinfo.so.$(VERSION) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libopinfo.so
	$(INSTALL) -d $(DESTDIR)$(includedir)/opinfo $(DESTDIR)$(libdir)/opinfo/plugins
	$(INSTALL) -m 644 include/opinfo.h $(DESTDIR)$(includedir)/
	$(INSTALL) -m 644 include/opinfo/plugin.h $(DESTDIR)$(includedir)/opinfo/
	$(PC_SED) opinfo.pc.in > $(DESTDIR)$(pkgconfigdir)/opinfo.pc
	$(INSTALL) -m 644 $(DEFAULT_DB) $(DESTDIR)$(datadir)/opinfo/opinfo.db
	$(INSTALL) -m 755 $(PLUGIN_SOS) $(DESTDIR)$(libdir)/opinfo/plugins/
	$(INSTALL) -d $(DESTDIR)$(pythondir)/opinfo
	$(INSTALL) -m 644 bindings/python/opinfo/*.py bindings/python/opinfo/py.typed \
	  $(DESTDIR)$(pythondir)/opinfo/
	$(INSTALL) -d $(DESTDIR)$(man1dir) $(DESTDIR)$(bashcompdir) $(DESTDIR)$(docdir) \
	  $(DESTDIR)$(datadir)/opinfo/schemas $(DESTDIR)$(cmakedir)
	$(INSTALL) -m 644 $(MANPAGES) $(DESTDIR)$(man1dir)/
	$(INSTALL) -m 644 completion/opinfo.bash $(DESTDIR)$(bashcompdir)/opinfo-check
	ln -sf opinfo-check $(DESTDIR)$(bashcompdir)/opinfo-db
	ln -sf opinfo-check $(DESTDIR)$(bashcompdir)/opinfo-kernel
	$(INSTALL) -m 644 $(INSTALL_DOCS) $(DESTDIR)$(docdir)/
	cd docs && find rules -type d -exec $(INSTALL) -d $(DESTDIR)$(docdir)/{} \; && \
	  find rules -type f -name '*.md' -exec $(INSTALL) -m 644 {} $(DESTDIR)$(docdir)/{} \;
	$(INSTALL) -m 644 schemas/*.schema.json $(DESTDIR)$(datadir)/opinfo/schemas/
	$(CMAKE_SED) cmake/opinfoConfig.cmake.in > $(DESTDIR)$(cmakedir)/opinfoConfig.cmake
	$(CMAKE_SED) cmake/opinfoConfigVersion.cmake.in > $(DESTDIR)$(cmakedir)/opinfoConfigVersion.cmake
	@# the soname where the dynamic linker finds it (a pip-installed package loads it by soname)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
	  ldconfig; fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,$(notdir $(TOOLS)))
	rm -f $(DESTDIR)$(libdir)/libopinfo.so* $(DESTDIR)$(libdir)/libopinfo.a
	rm -f $(DESTDIR)$(includedir)/opinfo.h $(DESTDIR)$(pkgconfigdir)/opinfo.pc
	rm -rf $(DESTDIR)$(includedir)/opinfo $(DESTDIR)$(libdir)/opinfo
	rm -rf $(DESTDIR)$(datadir)/opinfo $(DESTDIR)$(pythondir)/opinfo
	rm -f $(addprefix $(DESTDIR)$(man1dir)/,$(notdir $(MANPAGES)))
	rm -f $(addprefix $(DESTDIR)$(bashcompdir)/,$(notdir $(TOOLS)))
	rm -rf $(DESTDIR)$(docdir) $(DESTDIR)$(cmakedir)

# Installs into a scratch prefix and builds a program against it through pkg-config alone; the
# man pages, completion, docs and a static link (extras.sh); a DESTDIR install found by CMake
# (cmake.sh); pip install of bindings/python in a fresh venv (venv.sh).
TI := $(CURDIR)/$(BUILD)/test-install
test-install: all
	rm -rf $(BUILD)/test-install $(BUILD)/test-destdir
	$(MAKE) BUILD=$(BUILD)/test-build install PREFIX=$(TI)
	$(MAKE) BUILD=$(BUILD)/test-build install PREFIX=$(TI) DESTDIR=$(CURDIR)/$(BUILD)/test-destdir
	PKG_CONFIG_PATH=$(TI)/lib/pkgconfig PYTHONDIR=$$($(PYTHON) cmake/pythondir.py $(TI)) \
	  sh tests/install/run.sh $(TI)
	PKG_CONFIG_PATH=$(TI)/lib/pkgconfig sh tests/install/extras.sh $(TI)
	sh tests/install/cmake.sh $(CURDIR)/$(BUILD)/test-destdir$(TI)
	PYTHON=$(PYTHON) sh tests/install/venv.sh $(BUILD)
	PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/test-install/lib/pkgconfig sh tests/install/vendor-plugin.sh \
	  $(CURDIR)/$(BUILD)/test-install
	PYTHONDIR=$$($(PYTHON) cmake/pythondir.py $(TI)) sh tests/install/readonly.sh $(TI)

# ---- developer targets ------------------------------------------------------------------------

c11:
	$(MAKE) BUILD=build/c11 CC=clang OPT="-O2" all

cppcheck:
	cppcheck --error-exitcode=1 --std=c11 --quiet --inline-suppr -Iinclude \
	  --suppress=missingIncludeSystem core db validator loader cli

compile_commands:
	$(MAKE) clean
	bear -- $(MAKE) all

standard_variables:
	@echo PREFIX=$(PREFIX) bindir=$(bindir) libdir=$(libdir) includedir=$(includedir) \
	  datadir=$(datadir) VERSION=$(VERSION)

clean:
	rm -rf build
