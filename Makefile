# kefu - build, run and check. `make` builds build/kefu; `make run` starts the demo;
# `make check` runs every test with sanitizers. See README.md.

CC      ?= cc
PKGS    := libevent libevent_pthreads jansson sqlite3 libsodium libpq
CFLAGS_PKG := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS_PKG   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wcast-qual -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -Wvla
BASE_CFLAGS := -std=gnu11 -g $(WARN) -D_GNU_SOURCE -Isrc -Ibuild/gen $(CFLAGS_PKG) -MMD -MP
LDLIBS  := $(LIBS_PKG) -lpthread

# Two builds from the same sources: release (build/) and sanitized (build/asan/).
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
REL_CFLAGS  := $(BASE_CFLAGS) -O2
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 $(SAN)

SRC_ALL := $(sort $(wildcard src/lib/*.c src/core/*.c src/store/*.c src/app/*.c src/http/*.c src/jobs/*.c))
SRC_MAIN := src/cli/main.c
WEB_FILES := $(sort $(shell find web -type f 2>/dev/null))
SQL_FILES := $(sort $(shell find src/store/sql -type f -name '*.sql'))
GEN     := build/gen/web.c build/gen/sql.c

REL_OBJ  := $(patsubst src/%.c,build/obj/%.o,$(SRC_ALL)) build/obj/gen/web.o build/obj/gen/sql.o
ASAN_OBJ := $(patsubst src/%.c,build/asan/obj/%.o,$(SRC_ALL)) build/asan/obj/gen/web.o build/asan/obj/gen/sql.o

.PHONY: all run check deps unit fuzz api browser bench clean fmt
all: build/kefu

build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O1 -Wall -Wextra -Werror -o $@ $<

build/gen/web.c: build/tools/embed $(WEB_FILES)
	@mkdir -p $(@D)
	build/tools/embed web_files web/ $(WEB_FILES) > $@.tmp && mv $@.tmp $@

build/gen/sql.c: build/tools/embed $(SQL_FILES)
	@mkdir -p $(@D)
	build/tools/embed sql_files src/store/sql/ $(SQL_FILES) > $@.tmp && mv $@.tmp $@

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(REL_CFLAGS) -Wno-missing-prototypes -Isrc -c -o $@ $<
build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"; $(CC) $(REL_CFLAGS) -c -o $@ $<
build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Wno-missing-prototypes -Isrc -c -o $@ $<
build/asan/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@echo "  CC asan $<"; $(CC) $(ASAN_CFLAGS) -c -o $@ $<

build/kefu: $(REL_OBJ) build/obj/cli/main.o
	@echo "  LD      $@"; $(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/kefu: $(ASAN_OBJ) build/asan/obj/cli/main.o
	@echo "  LD asan $@"; $(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

# ---- unit tests (cmocka), sanitized ----
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))
build/asan/unit/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -Wno-missing-prototypes -o $@ $(filter %.c %.o,$^) $(LDLIBS) $(shell pkg-config --libs cmocka)

# ---- fuzz targets (clang libFuzzer) ----
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_SRC := $(SRC_ALL)
build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC) $(GEN)
	@mkdir -p $(@D)
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Isrc -Ibuild/gen $(CFLAGS_PKG) \
	  -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_LIB_SRC) $(GEN) $(LDLIBS)

deps:
	@scripts/deps.sh

run: deps build/kefu
	@scripts/run.sh

unit: $(UNIT_BIN)
fuzz: $(FUZZ_BIN)

check: deps
	@$(MAKE) --no-print-directory build/kefu build/asan/kefu unit fuzz
	@scripts/check.sh

bench: deps build/kefu
	@bench/run.sh sqlite
	@bench/run.sh postgresql

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
