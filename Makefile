# noshowd - see README.md. `make`, `make check`, `make demo`, `make bench`, `make install`.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/noshowd
UNITDIR ?= /lib/systemd/system

PKGS = libcurl libical sqlite3 libconfig libcrypto opendkim
CC ?= cc
WARN = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith \
	-Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Idaemon -Ibuild \
	-DNOSHOWD_DATADIR='"$(DATADIR)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lresolv -lm -pthread
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

MAINS = daemon/noshowd.c daemon/noshowctl.c
CORE_SRCS = $(filter-out $(MAINS), $(wildcard daemon/*.c))
GEN_SRCS = build/gen_migrations.c build/gen_windows_zones.c build/gen_verify_sh.c
CORE_OBJS = $(CORE_SRCS:daemon/%.c=build/%.o) $(GEN_SRCS:.c=.o)
UNIT_SRCS = $(wildcard tests/unit/check_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=build/tests/%)

all: deps-build noshowd noshowctl

deps-build:
	@tools/deps.sh build

# Every object waits for the build dependencies: with -j, a compiler started beside the
# apt-get of a fresh machine would find no headers.
build/.dir: | deps-build
	@mkdir -p build/tests && touch $@

build/%.o: daemon/%.c daemon/*.h build/.dir build/flags.stamp
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Everything that shapes an object is recorded in a stamp, and a change rebuilds: the
# installed paths (`make install PREFIX=/usr` after a plain `make` installs a binary that
# finds its files) and the compiler and flags (`make check SANITIZE=address,undefined` after
# a plain build must not link the plain objects).
stamp = $(file >$@.tmp,$(1))@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

build/flags.stamp: FORCE build/.dir
	$(call stamp,$(CC) $(ALL_CFLAGS) $(LDFLAGS))

build/gen_%.o: build/gen_%.c build/flags.stamp
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/gen_migrations.c: tools/embed.sh $(wildcard sql/*.sql) build/.dir
	tools/embed.sh migrations $(sort $(wildcard sql/*.sql)) > $@

build/gen_windows_zones.c: tools/embed.sh data/windows-zones.tsv build/.dir
	tools/embed.sh windows_zones data/windows-zones.tsv > $@

build/gen_verify_sh.c: tools/embed.sh data/evidence-verify.sh build/.dir
	tools/embed.sh verify_sh data/evidence-verify.sh > $@

build/libnoshow.a: $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^

noshowd: build/noshowd.o build/libnoshow.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

noshowctl: build/noshowctl.o build/libnoshow.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

build/tests/%: tests/unit/%.c tests/unit/unit.h build/libnoshow.a
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -o $@ $< build/libnoshow.a \
		$(LDFLAGS) $(LIBS) $(CHECK_LIBS)

deps-check:
	@tools/deps.sh check

unit: deps-check noshowd noshowctl $(UNIT_BINS)
	@tools/run-unit.sh $(UNIT_BINS)

integration: deps-check noshowd noshowctl
	@tests/run-integration.sh

lint-man:
	@tools/lint-man.sh

# One apt-get at a time: the test dependencies first, then the build (its own check).
check: deps-check
	@$(MAKE) --no-print-directory all
	@rm -rf build/results
	@$(MAKE) --no-print-directory unit integration lint-man
	@tools/check-summary.sh

demo: noshowd noshowctl
	@tools/deps.sh demo
	@conf/demo/run.sh

# The policy-tick bench (tests/bench/tick.c), its databases (tests/bench/tickgen.c), the
# evidence-cost bench (tests/bench/evidence.c) and the floor under the idle RSS
# (tests/bench/libfloor.c) are built against the library like the unit tests.
BENCH_BINS = build/bench/tick build/bench/tickgen build/bench/evidence build/bench/libfloor

$(BENCH_BINS): build/bench/%: tests/bench/%.c tests/bench/tickgen.h build/libnoshow.a
	@mkdir -p build/bench
	$(CC) $(ALL_CFLAGS) -Itests/bench -o $@ $< build/libnoshow.a $(LDFLAGS) $(LIBS)

bench: noshowd noshowctl $(BENCH_BINS)
	@tools/deps.sh bench
	@tests/bench/run.sh

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), one per parser, against a copy of the library
# built by clang with the fuzzer's coverage and ASan+UBSan in build/fuzz/. `make fuzz` runs
# each for FUZZ_SECONDS (default 300) from the seed corpora; tests/integration/fuzz.sh runs a
# short round of each inside `make check`.
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 300
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	-Idaemon -Ibuild -DNOSHOWD_DATADIR='"$(DATADIR)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJS = $(CORE_SRCS:daemon/%.c=build/fuzz/obj/%.o) $(GEN_SRCS:build/%.c=build/fuzz/obj/%.o)
FUZZ_BINS = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz-flags.stamp: FORCE build/.dir
	$(call stamp,$(FUZZ_CC) $(FUZZ_CFLAGS))

build/fuzz/obj/%.o: daemon/%.c daemon/*.h build/fuzz-flags.stamp
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/obj/gen_%.o: build/gen_%.c build/fuzz-flags.stamp
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/libnoshow.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libnoshow.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< build/fuzz/libnoshow.a $(LIBS)

fuzz-build: deps-fuzz $(FUZZ_BINS)

deps-fuzz:
	@tools/deps.sh fuzz

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BINS)

# The short round in tests/integration/fuzz.sh needs the harnesses built.
integration: fuzz-build

.PHONY: fuzz fuzz-build deps-fuzz

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(SYSCONFDIR)/noshowd $(DESTDIR)$(UNITDIR)
	install -m 755 noshowd $(DESTDIR)$(SBINDIR)/noshowd
	install -m 755 noshowctl $(DESTDIR)$(BINDIR)/noshowctl
	install -m 644 man/noshowctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/noshowd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/noshowd.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's#/usr/local/sbin/#$(SBINDIR)/#g' systemd/noshowd.service > $(DESTDIR)$(UNITDIR)/noshowd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/noshowd.service
	install -m 644 conf/noshowd.conf $(DESTDIR)$(DATADIR)/noshowd.conf.example
	cp -R conf/templates $(DESTDIR)$(DATADIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/noshowd/noshowd.conf || \
		install -m 640 conf/noshowd.conf $(DESTDIR)$(SYSCONFDIR)/noshowd/noshowd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/noshowd $(DESTDIR)$(BINDIR)/noshowctl \
		$(DESTDIR)$(MANDIR)/man1/noshowctl.1 $(DESTDIR)$(MANDIR)/man5/noshowd.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/noshowd.8 $(DESTDIR)$(UNITDIR)/noshowd.service
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build noshowd noshowctl

FORCE:

.PHONY: FORCE all deps-build deps-check unit integration lint-man check demo bench install uninstall clean
.DELETE_ON_ERROR:
