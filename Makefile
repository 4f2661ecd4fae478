# tandem - database replicator.  GNU make.
#
#   make            build/tandem
#   make check      install missing packages, build, run unit + integration
#                   tests against real servers, print "N passed, N failed"
#   make asan       the same suite under AddressSanitizer + UBSan
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each
#   make demo       a local MariaDB and `tandem binlog` printing rows live
#   make bench      bench/binlog_decode against mysqlbinlog

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
PKGS     := libevent libevent_openssl openssl libzstd zlib jansson sqlite3 hiredis
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
            -Wno-format-nonliteral
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -I. $(CFLAGS) $(SANITIZE) -MMD -MP
PROTO_LIBS := -lzstd -lz -lcrypto
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
             echo -levent -levent_openssl -lssl -lcrypto -lzstd -lz -ljansson -lsqlite3 -lhiredis) -lm

PROTO_SRC := $(shell find proto -name '*.c' | sort)
SRC_SRC   := $(shell find src -name '*.c' | sort)
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
SUNIT_SRC := $(sort $(wildcard tests/unit/src_test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))

PROTO_OBJ := $(PROTO_SRC:%.c=$(BUILD)/%.o)
SRC_OBJ   := $(SRC_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%) \
             $(SUNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SRC_LIB_OBJ := $(filter-out $(BUILD)/src/core/main.o,$(SRC_OBJ))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

FUZZ_SECONDS ?= 20

.PHONY: all check asan itest unit fuzz bench demo soak clean deps \
        check-layering fmt-check

all: $(BUILD)/tandem

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libproto.a: $(PROTO_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tandem: $(SRC_OBJ) $(BUILD)/libproto.a
	$(CC) $(ALL_CFLAGS) -o $@ $(SRC_OBJ) $(BUILD)/libproto.a $(LDLIBS)

# Unit tests link against proto's library alone (plus cmocka).
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libproto.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libproto.a -lcmocka $(PROTO_LIBS) -lm

# Unit tests of src/ modules (src_test_*.c) link every src object but main.
$(BUILD)/tests/src_test_%: tests/unit/src_test_%.c $(SRC_LIB_OBJ) $(BUILD)/libproto.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(SRC_LIB_OBJ) $(BUILD)/libproto.a -lcmocka $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libproto.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libproto.a $(PROTO_LIBS) -lm

unit: $(UNIT_BIN)

deps:
	@tests/deps.sh

check: deps
	$(MAKE) all unit check-layering
	tests/run.py --build $(BUILD)

itest: all unit
	tests/run.py --build $(BUILD) --only integration

asan: deps
	$(MAKE) BUILD=build-asan CC=clang OPT=-O1 \
	    SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    all unit
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    tests/run.py --build build-asan

FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -I. -g -O1 \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROTO_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRC) $(PROTO_LIBS) -lm

# Targets of src/ parsers (fuzz_src_*.c) build with every src file but
# main, and its libraries.
$(BUILD)/fuzz/fuzz_src_%: tests/fuzz/fuzz_src_%.c $(PROTO_SRC) $(SRC_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRC) \
	    $(filter-out src/core/main.c,$(SRC_SRC)) $(LDLIBS)

fuzz: deps $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
	tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

bench: deps all $(BENCH_BIN)
	bench/run.sh $(BUILD)

demo: deps all
	tests/demo.py --build $(BUILD)

soak: deps
	$(MAKE) all unit
	TANDEM_SOAK=1 tests/run.py --build $(BUILD)
	$(MAKE) fuzz FUZZ_SECONDS=600

# proto/ must not reach into src/ or any I/O library.
check-layering:
	@! grep -rnE '#include *["<](src/|event2/|hiredis|librdkafka|libpq|openssl/ssl\.h)' proto \
	    || { echo "check-layering: proto/ includes src/ or an I/O library"; exit 1; }

fmt-check:
	clang-format --dry-run --Werror $(PROTO_SRC) $(SRC_SRC)

clean:
	rm -rf build build-asan

-include $(PROTO_OBJ:.o=.d) $(SRC_OBJ:.o=.d)
