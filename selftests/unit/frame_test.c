// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit test of kmod/frame.c. Prints TAP 13 on stdout and a
 * "N passed, N failed" summary on stderr; exits 0 only if all passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "frame.h"

#define MAX_RESULTS	1024
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char *results[MAX_RESULTS];
static int nresults, nfailed;

/*
 * The plan line goes first, so results are buffered and printed at the end
 * by finish().
 */
static __attribute__((format(printf, 2, 3)))
bool check(bool cond, const char *fmt, ...)
{
	char desc[200], *line;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);

	if (nresults == MAX_RESULTS) {
		fprintf(stderr, "too many results\n");
		exit(2);
	}
	line = malloc(sizeof(desc) + 32);
	if (!line)
		exit(2);
	snprintf(line, sizeof(desc) + 32, "%sok %d - %s", cond ? "" : "not ",
		 nresults + 1, desc);
	results[nresults++] = line;
	if (!cond)
		nfailed++;
	return cond;
}

static int finish(void)
{
	int i;

	printf("TAP version 13\n1..%d\n", nresults);
	for (i = 0; i < nresults; i++) {
		printf("%s\n", results[i]);
		free(results[i]);
	}
	fflush(stdout);
	fprintf(stderr, "frame_test: %d passed, %d failed\n",
		nresults - nfailed, nfailed);
	return nfailed ? 1 : 0;
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static struct recframe_framing gen(u8 hdr_len, u8 len_off, u8 len_size,
				   s32 adj, u32 max)
{
	struct recframe_framing u = {
		.format = RECFRAME_FORMAT_LENGTH,
		.hdr_len = hdr_len,
		.len_off = len_off,
		.len_size = len_size,
		.len_adjust = adj,
		.max_record = max,
	};

	return u;
}

static struct recframe_framing tls(u32 max)
{
	struct recframe_framing u = {
		.format = RECFRAME_FORMAT_TLS,
		.max_record = max,
	};

	return u;
}

/* Validation result, plus: on error the output must be left untouched. */
static int from_user(const struct recframe_framing *u, struct rf_format *f)
{
	struct rf_format before;
	int err;

	memset(f, 0xa5, sizeof(*f));
	before = *f;
	err = rf_format_from_user(f, u);
	if (err && memcmp(f, &before, sizeof(before)))
		return -1000;
	return err;
}

static void expect_valid(const struct recframe_framing *u, const char *what)
{
	struct rf_format f;

	check(from_user(u, &f) == 0, "accept: %s", what);
}

static void expect_invalid(const struct recframe_framing *u, const char *what)
{
	struct rf_format f;

	check(from_user(u, &f) == -EINVAL, "reject: %s", what);
}

static void test_tls_validation(void)
{
	static const char * const fields[] = {
		"hdr_len", "len_off", "len_size", "type_off", "flags",
		"reserved", "len_adjust",
	};
	struct recframe_framing u, out;
	struct rf_format f;
	unsigned int i;

	rf_format_default(&f);
	check(f.format == RECFRAME_FORMAT_TLS && f.hdr_len == 5 &&
	      f.len_off == 3 && f.len_size == 2 && f.has_type &&
	      !f.little_endian && f.type_off == 0 && f.len_adjust == 0 &&
	      f.max_record == 16384,
	      "default format is TLS, max_record 16384");
	check(f.tx_template[0] == 0 && f.tx_template[1] == 3 &&
	      f.tx_template[2] == 3 && f.tx_template[3] == 0 &&
	      f.tx_template[4] == 0, "TLS tx template is 00 03 03 00 00");

	memset(&out, 0xff, sizeof(out));
	rf_format_to_user(&f, &out);
	u = tls(16384);
	check(!memcmp(&out, &u, sizeof(u)),
	      "TLS to_user reports format and max_record only");

	u = tls(0);
	check(from_user(&u, &f) == 0 && f.max_record == 16384 &&
	      f.format == RECFRAME_FORMAT_TLS,
	      "accept: TLS max_record 0 picks 16384");
	u = tls(1);
	expect_valid(&u, "TLS max_record 1");
	u = tls(65535);
	check(from_user(&u, &f) == 0 && f.max_record == 65535,
	      "accept: TLS max_record 65535");
	u = tls(65536);
	expect_invalid(&u, "TLS max_record 65536 (2-byte length)");
	u = tls(RECFRAME_RECORD_LIMIT + 1);
	expect_invalid(&u, "TLS max_record above RECFRAME_RECORD_LIMIT");

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		u = tls(0);
		switch (i) {
		case 0:
			u.hdr_len = 5;
			break;
		case 1:
			u.len_off = 3;
			break;
		case 2:
			u.len_size = 2;
			break;
		case 3:
			u.type_off = 1;
			break;
		case 4:
			u.flags = RECFRAME_F_TYPE;
			break;
		case 5:
			u.reserved = 1;
			break;
		case 6:
			u.len_adjust = -5;
			break;
		}
		check(from_user(&u, &f) == -EINVAL,
		      "reject: TLS with non-zero %s", fields[i]);
	}

	u = tls(0);
	u.format = 0;
	expect_invalid(&u, "format 0");
	u.format = 3;
	expect_invalid(&u, "format 3");
	u.format = 0xff;
	expect_invalid(&u, "format 255");
}

static void test_generic_validation(void)
{
	static const u8 bad_sizes[] = { 0, 5, 6, 7, 9, 16 };
	struct recframe_framing u, out;
	struct rf_format f;
	unsigned int i;
	char what[64];

	u = gen(1, 0, 1, 0, 255);
	expect_valid(&u, "1-byte header, 1-byte length, max 255");
	u = gen(1, 0, 1, 0, 256);
	expect_invalid(&u, "1-byte length with max_record 256");
	u = gen(2, 1, 1, -2, 253);
	expect_valid(&u, "1-byte length, adjust -2, max 253");
	u = gen(2, 1, 1, -2, 254);
	expect_invalid(&u, "1-byte length, adjust -2, max 254");
	u = gen(2, 0, 2, 0, 65535);
	expect_valid(&u, "2-byte length, max 65535");
	u = gen(2, 0, 2, 0, 65536);
	expect_invalid(&u, "2-byte length, max 65536");
	u = gen(3, 0, 3, 0, RECFRAME_RECORD_LIMIT);
	expect_valid(&u, "3-byte length, max RECFRAME_RECORD_LIMIT");
	u = gen(16, 8, 8, 0, RECFRAME_RECORD_LIMIT);
	expect_valid(&u, "8-byte length at the end of a 16-byte header");
	u = gen(16, 0, 1, 0, 100);
	expect_valid(&u, "16-byte header, filler after the length");

	u = gen(0, 0, 1, 0, 100);
	expect_invalid(&u, "hdr_len 0");
	u = gen(RECFRAME_HDR_MAX + 1, 0, 4, 0, 100);
	expect_invalid(&u, "hdr_len RECFRAME_HDR_MAX + 1");
	u = gen(255, 0, 4, 0, 100);
	expect_invalid(&u, "hdr_len 255");
	for (i = 0; i < sizeof(bad_sizes); i++) {
		u = gen(16, 0, bad_sizes[i], 0, 100);
		snprintf(what, sizeof(what), "len_size %u", bad_sizes[i]);
		expect_invalid(&u, what);
	}
	u = gen(4, 1, 4, 0, 100);
	expect_invalid(&u, "length field one byte past the header");
	u = gen(4, 255, 4, 0, 100);
	expect_invalid(&u, "len_off 255");
	u = gen(4, 4, 1, 0, 100);
	expect_invalid(&u, "len_off == hdr_len");

	u = gen(5, 1, 4, 0, 100);
	u.flags = RECFRAME_F_TYPE;
	expect_valid(&u, "type byte before the length");
	u.type_off = 4;
	expect_invalid(&u, "type byte on the last length byte");
	u.type_off = 2;
	expect_invalid(&u, "type byte inside the length");
	u.type_off = 1;
	expect_invalid(&u, "type byte on the first length byte");
	u.type_off = 5;
	expect_invalid(&u, "type byte at hdr_len");
	u = gen(5, 0, 4, 0, 100);
	u.flags = RECFRAME_F_TYPE;
	u.type_off = 4;
	expect_valid(&u, "type byte after the length");
	u.flags = 0;
	expect_invalid(&u, "type_off set without RECFRAME_F_TYPE");

	u = gen(4, 0, 4, 0, 100);
	u.flags = RECFRAME_F_LITTLE_ENDIAN;
	expect_valid(&u, "RECFRAME_F_LITTLE_ENDIAN");
	u.flags = 0x04;
	expect_invalid(&u, "unknown flag 0x04");
	u.flags = 0x80 | RECFRAME_F_LITTLE_ENDIAN;
	expect_invalid(&u, "unknown flag 0x80 with a known one");
	u.flags = 0;
	u.reserved = 1;
	expect_invalid(&u, "reserved 1");
	u.reserved = 0x8000;
	expect_invalid(&u, "reserved 0x8000");
	u.reserved = 0;

	u.max_record = 0;
	expect_invalid(&u, "generic max_record 0");
	u.max_record = RECFRAME_RECORD_LIMIT;
	expect_valid(&u, "generic max_record RECFRAME_RECORD_LIMIT");
	u.max_record = RECFRAME_RECORD_LIMIT + 1;
	expect_invalid(&u, "generic max_record RECFRAME_RECORD_LIMIT + 1");
	u.max_record = 0xffffffff;
	expect_invalid(&u, "generic max_record 0xffffffff");

	u = gen(4, 0, 4, 1, 100);
	expect_invalid(&u, "len_adjust 1 (payload 0 not expressible)");
	u = gen(4, 0, 4, 0x7fffffff, 100);
	expect_invalid(&u, "len_adjust S32_MAX");
	u = gen(4, 0, 4, -(s32)RECFRAME_RECORD_LIMIT, 100);
	expect_valid(&u, "len_adjust -RECFRAME_RECORD_LIMIT");
	u = gen(4, 0, 4, -(s32)RECFRAME_RECORD_LIMIT - 1, 100);
	expect_invalid(&u, "len_adjust -RECFRAME_RECORD_LIMIT - 1");
	u = gen(8, 0, 8, (s32)0x80000000, 100);
	expect_invalid(&u, "len_adjust S32_MIN");

	u = gen(7, 2, 3, -7, 5000);
	u.flags = RECFRAME_F_TYPE | RECFRAME_F_LITTLE_ENDIAN;
	u.type_off = 6;
	memset(&out, 0xff, sizeof(out));
	check(from_user(&u, &f) == 0 && (rf_format_to_user(&f, &out), 1) &&
	      !memcmp(&u, &out, sizeof(u)),
	      "generic to_user returns what from_user accepted");
	check(!memcmp(f.tx_template, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		      RECFRAME_HDR_MAX),
	      "generic tx template is all zero");
}

static void test_presets(void)
{
	struct recframe_framing u;
	struct rf_format f;
	u8 hdr[RECFRAME_HDR_MAX];
	u32 len;
	u8 type;

	/* libvirt RPC: the length counts itself. */
	u = gen(4, 0, 4, -4, 1 << 20);
	check(from_user(&u, &f) == 0, "accept: libvirt preset");
	check(rf_hdr_build(&f, hdr, 0, 100) == 0 && hdr[0] == 0 &&
	      hdr[1] == 0 && hdr[2] == 0 && hdr[3] == 104,
	      "libvirt: payload 100 is sent as 104");
	check(rf_hdr_build(&f, hdr, 0, 0) == 0 && hdr[3] == 4,
	      "libvirt: empty payload is sent as 4");
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 0 &&
	      type == 0, "libvirt: value 4 is an empty record");
	memcpy(hdr, "\x00\x10\x00\x04", 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 1 << 20,
	      "libvirt: value 2^20 + 4 is a record of max_record");
	memcpy(hdr, "\x00\x10\x00\x05", 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "libvirt: value 2^20 + 5 is EMSGSIZE");
	memcpy(hdr, "\x00\x00\x00\x03", 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EBADMSG,
	      "libvirt: value 3 is EBADMSG");
	memset(hdr, 0, 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EBADMSG,
	      "libvirt: value 0 is EBADMSG");

	/* Kafka: the length does not count itself. */
	u = gen(4, 0, 4, 0, 1 << 20);
	check(from_user(&u, &f) == 0, "accept: Kafka preset");
	memcpy(hdr, "\x00\x00\x01\x02", 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 258,
	      "Kafka: 00 00 01 02 is 258 bytes");
	memcpy(hdr, "\x7f\xff\xff\xff", 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "Kafka: 0x7fffffff is EMSGSIZE");
	memcpy(hdr, "\xff\xff\xff\xff", 4);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "Kafka: 0xffffffff is EMSGSIZE, not negative");
	check(rf_hdr_build(&f, hdr, 9, 1 << 20) == 0 &&
	      !memcmp(hdr, "\x00\x10\x00\x00", 4),
	      "Kafka: max_record builds");
	check(rf_hdr_build(&f, hdr, 9, (1 << 20) + 1) == -EMSGSIZE,
	      "Kafka: build above max_record is EMSGSIZE");

	/* DNS over TCP. */
	u = gen(2, 0, 2, 0, 65535);
	check(from_user(&u, &f) == 0, "accept: DNS preset");
	memcpy(hdr, "\x02\x00", 2);
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 512,
	      "DNS: 02 00 is 512 bytes");
	memcpy(hdr, "\xff\xff", 2);
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 65535,
	      "DNS: ff ff is 65535 bytes");
	check(rf_hdr_build(&f, hdr, 0, 0x1234) == 0 &&
	      hdr[0] == 0x12 && hdr[1] == 0x34, "DNS: build 0x1234");

	/* TLS. */
	u = tls(0);
	check(from_user(&u, &f) == 0, "accept: TLS preset");
	check(rf_hdr_build(&f, hdr, 22, 0x1234) == 0 &&
	      !memcmp(hdr, "\x16\x03\x03\x12\x34", 5),
	      "TLS: build handshake of 0x1234 bytes");
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 0x1234 &&
	      type == 22, "TLS: parse it back");
	memcpy(hdr, "\x17\x03\x01\x40\x00", 5);
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 16384 &&
	      type == 23, "TLS: minor version byte is not checked");
	memcpy(hdr, "\x17\x03\x03\x40\x01", 5);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "TLS: 16385 bytes is EMSGSIZE");
	memcpy(hdr, "\x17\x02\x03\x00\x10", 5);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EINVAL,
	      "TLS: version byte 0x02 is EINVAL");
	memcpy(hdr, "\x17\x00\x03\xff\xff", 5);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EINVAL,
	      "TLS: bad version wins over EMSGSIZE");
	check(rf_hdr_build(&f, hdr, 23, 16385) == -EMSGSIZE,
	      "TLS: build above max_record is EMSGSIZE");
}

static void test_parse_details(void)
{
	struct recframe_framing u;
	struct rf_format f;
	u8 hdr[RECFRAME_HDR_MAX];
	u32 len = 77;
	u8 type = 66;

	/* Outputs are only written on success. */
	u = gen(4, 0, 4, -4, 100);
	from_user(&u, &f);
	memset(hdr, 0, sizeof(hdr));
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EBADMSG && len == 77 &&
	      type == 66, "parse error leaves outputs alone");

	/* Even a negative-length header that is also huge: EBADMSG first. */
	u = gen(1, 0, 1, -200, 50);
	check(from_user(&u, &f) == 0, "accept: 1-byte length, adjust -200");
	hdr[0] = 199;
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EBADMSG,
	      "adjust -200: value 199 is EBADMSG");
	hdr[0] = 251;
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "adjust -200: value 251 is EMSGSIZE");

	u = gen(8, 0, 8, -(s32)RECFRAME_RECORD_LIMIT, RECFRAME_RECORD_LIMIT);
	check(from_user(&u, &f) == 0, "accept: 8-byte length, adjust -limit");
	memcpy(hdr, "\x00\x00\x00\x01\x00\x00\x00\x00", 8);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "8-byte: 2^32 is EMSGSIZE even with adjust -limit");
	memcpy(hdr, "\x80\x00\x00\x00\x00\x00\x00\x00", 8);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "8-byte: 2^63 is EMSGSIZE");
	memset(hdr, 0xff, 8);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "8-byte: 2^64 - 1 is EMSGSIZE");
	memcpy(hdr, "\x00\x00\x00\x00\x00\x20\x00\x00", 8);
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 &&
	      len == RECFRAME_RECORD_LIMIT,
	      "8-byte: 2^21 minus 2^20 is max_record");
	memcpy(hdr, "\x00\x00\x00\x00\x00\x0f\xff\xff", 8);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EBADMSG,
	      "8-byte: 2^20 - 1 is EBADMSG");

	/* Little endian 3-byte field with filler and a type byte. */
	u = gen(6, 1, 3, 0, RECFRAME_RECORD_LIMIT);
	u.flags = RECFRAME_F_LITTLE_ENDIAN | RECFRAME_F_TYPE;
	u.type_off = 5;
	check(from_user(&u, &f) == 0, "accept: LE 3-byte length with type");
	check(rf_hdr_build(&f, hdr, 0xab, 0x0f2345) == 0 &&
	      !memcmp(hdr, "\x00\x45\x23\x0f\x00\xab", 6),
	      "LE 3-byte: 0x0f2345 is 45 23 0f, filler zero, type last");
	hdr[0] = 0xee;
	hdr[4] = 0xdd;
	check(rf_hdr_parse(&f, hdr, &len, &type) == 0 && len == 0x0f2345 &&
	      type == 0xab, "LE 3-byte: filler bytes are ignored on parse");
	memcpy(hdr, "\x00\x01\x00\x10\x00\x01", 6);
	check(rf_hdr_parse(&f, hdr, &len, &type) == -EMSGSIZE,
	      "LE 3-byte: 0x100001 is EMSGSIZE");
}

static void put_be_le(u8 *p, unsigned int size, bool le, u64 v)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		p[le ? i : size - 1 - i] = (u8)(v >> (8 * i));
}

static void test_round_trip(void)
{
	static const u8 sizes[] = { 1, 2, 3, 4, 8 };
	unsigned int i, le, n;

	for (i = 0; i < sizeof(sizes); i++) {
		for (le = 0; le < 2; le++) {
			struct recframe_framing u;
			struct rf_format f;
			u8 hdr[RECFRAME_HDR_MAX], ref[RECFRAME_HDR_MAX];
			u64 field_max;
			bool good = true;
			u32 max;
			s32 adj;

			field_max = sizes[i] == 8 ? ~0ULL :
				(1ULL << (8 * sizes[i])) - 1;
			adj = -(s32)(rnd() % 9);
			max = field_max + adj > RECFRAME_RECORD_LIMIT ?
				RECFRAME_RECORD_LIMIT : field_max + adj;
			u = gen(sizes[i] + 3, 1, sizes[i], adj, max);
			u.flags = RECFRAME_F_TYPE |
				(le ? RECFRAME_F_LITTLE_ENDIAN : 0);
			u.type_off = sizes[i] + 2;
			if (from_user(&u, &f)) {
				check(false, "round trip %u-byte %s: config",
				      sizes[i], le ? "LE" : "BE");
				continue;
			}
			for (n = 0; n < 2000 && good; n++) {
				u32 plen, got_len = ~0U;
				u8 t = rnd(), got_t = ~t;

				if (n == 0)
					plen = 0;
				else if (n == 1)
					plen = max;
				else
					plen = rnd() % (max + 1);
				memset(ref, 0, sizeof(ref));
				put_be_le(ref + 1, sizes[i], le,
					  (u64)plen - adj);
				ref[sizes[i] + 2] = t;
				good = rf_hdr_build(&f, hdr, t, plen) == 0 &&
				       !memcmp(hdr, ref, u.hdr_len) &&
				       rf_hdr_parse(&f, hdr, &got_len,
						    &got_t) == 0 &&
				       got_len == plen && got_t == t;
			}
			check(good && rf_hdr_build(&f, hdr, 0, max + 1) ==
			      -EMSGSIZE,
			      "round trip %u-byte %s, adjust %d, max %u",
			      sizes[i], le ? "LE" : "BE", adj, max);
		}
	}
}

static void test_rx_basic(void)
{
	struct recframe_framing u = gen(4, 0, 4, 0, 1000);
	struct rf_format f;
	struct rf_rx rx;
	u8 hdr[4];
	u32 skip, copy;

	from_user(&u, &f);
	memset(&rx, 0x5a, sizeof(rx));
	rf_rx_reset(&rx);
	check(rx.state == RF_RX_HDR && rx.off == 0 && rx.err == 0 &&
	      rx.payload_len == 0, "rx: reset state waits for a header");
	check(!rf_rx_complete(&rx, &f, 1 << 30),
	      "rx: no record is complete before its header is parsed");
	rf_rx_plan(&rx, &f, true, 100, &skip, &copy);
	check(skip == 0 && copy == 0, "rx: no plan before a header");
	check(!rf_rx_consume(&rx, &f, 4) && rx.off == 0,
	      "rx: consume without a header does nothing");

	rf_hdr_build(&f, hdr, 0, 10);
	check(rf_rx_header(&rx, &f, hdr) == 0 && rx.state == RF_RX_BODY &&
	      rx.payload_len == 10 && rx.off == 0,
	      "rx: header moves to BODY with the payload length");
	check(rf_rx_record_len(&rx, &f) == 14, "rx: record_len is 4 + 10");
	check(rf_rx_header(&rx, &f, hdr) == -EINVAL &&
	      rx.state == RF_RX_BODY && rx.payload_len == 10,
	      "rx: second header mid-record is refused, state kept");
	check(!rf_rx_complete(&rx, &f, 13), "rx: 13 of 14 bytes is partial");
	check(rf_rx_complete(&rx, &f, 14), "rx: 14 of 14 bytes is complete");
	check(rf_rx_complete(&rx, &f, 1000), "rx: more than the record too");

	rf_rx_plan(&rx, &f, true, 100, &skip, &copy);
	check(skip == 0 && copy == 14, "rx plan with header: copy 14");
	rf_rx_plan(&rx, &f, false, 100, &skip, &copy);
	check(skip == 4 && copy == 10, "rx plan without header: skip 4 copy 10");
	rf_rx_plan(&rx, &f, false, 3, &skip, &copy);
	check(skip == 4 && copy == 3, "rx plan small buffer: skip 4 copy 3");
	rf_rx_plan(&rx, &f, true, 3, &skip, &copy);
	check(skip == 0 && copy == 3, "rx plan small buffer with header");
	rf_rx_plan(&rx, &f, false, 0, &skip, &copy);
	check(skip == 4 && copy == 0, "rx plan zero-length read");

	/* Two bytes of header read, then the user turns headers off. */
	check(!rf_rx_consume(&rx, &f, 2) && rx.off == 2,
	      "rx: consume 2 header bytes");
	check(!rf_rx_complete(&rx, &f, 11) && rf_rx_complete(&rx, &f, 12),
	      "rx: after 2 bytes, 12 more complete the record");
	rf_rx_plan(&rx, &f, false, 100, &skip, &copy);
	check(skip == 2 && copy == 10,
	      "rx plan: rest of a half-read header is skipped");
	check(!rf_rx_consume(&rx, &f, skip + 4) && rx.off == 8,
	      "rx: consume skip and 4 payload bytes");
	rf_rx_plan(&rx, &f, false, 100, &skip, &copy);
	check(skip == 0 && copy == 6, "rx plan: no skip once in the payload");
	check(rf_rx_consume(&rx, &f, copy) && rx.state == RF_RX_HDR &&
	      rx.off == 0 && rx.payload_len == 0,
	      "rx: last byte ends the record, back to HDR");
}

static void test_rx_zero_len(void)
{
	struct recframe_framing u = gen(4, 0, 4, -4, 1000);
	struct rf_format f;
	struct rf_rx rx;
	u8 hdr[4];
	u32 skip, copy;

	from_user(&u, &f);
	rf_rx_reset(&rx);
	rf_hdr_build(&f, hdr, 0, 0);
	check(rf_rx_header(&rx, &f, hdr) == 0 && rx.payload_len == 0 &&
	      rx.state == RF_RX_BODY, "rx empty: header parsed");
	check(!rf_rx_complete(&rx, &f, 3) && rf_rx_complete(&rx, &f, 4),
	      "rx empty: complete once the header is there");
	rf_rx_plan(&rx, &f, false, 100, &skip, &copy);
	check(skip == 4 && copy == 0, "rx empty without header: skip 4");
	rf_rx_plan(&rx, &f, true, 100, &skip, &copy);
	check(skip == 0 && copy == 4, "rx empty with header: copy 4");
	check(rf_rx_consume(&rx, &f, 4) && rx.state == RF_RX_HDR,
	      "rx empty: consuming the header ends the record");

	rf_rx_header(&rx, &f, hdr);
	check(!rf_rx_consume(&rx, &f, 0) && rx.state == RF_RX_BODY,
	      "rx empty: consume 0 does not end it");
	check(!rf_rx_consume(&rx, &f, 3) && rf_rx_consume(&rx, &f, 1),
	      "rx empty: header read in two pieces ends on the last");
}

static void test_rx_errors(void)
{
	struct recframe_framing u = tls(100);
	struct rf_format f;
	struct rf_rx rx;
	u8 good[5], bad[5] = { 23, 3, 3, 0, 101 };
	u32 skip = 9, copy = 9;

	from_user(&u, &f);
	rf_hdr_build(&f, good, 23, 100);
	rf_rx_reset(&rx);
	check(rf_rx_header(&rx, &f, bad) == -EMSGSIZE &&
	      rx.state == RF_RX_ERR && rx.err == -EMSGSIZE,
	      "rx error: oversized header stops the parser");
	check(rf_rx_header(&rx, &f, good) == -EMSGSIZE &&
	      rx.state == RF_RX_ERR, "rx error: sticky over a good header");
	check(!rf_rx_complete(&rx, &f, 1 << 20), "rx error: never complete");
	rf_rx_plan(&rx, &f, true, 100, &skip, &copy);
	check(skip == 0 && copy == 0, "rx error: empty plan");
	check(!rf_rx_consume(&rx, &f, 5) && rx.state == RF_RX_ERR,
	      "rx error: consume does not clear it");

	bad[1] = 0x13;
	rf_rx_reset(&rx);
	check(rf_rx_header(&rx, &f, bad) == -EINVAL && rx.err == -EINVAL,
	      "rx error: TLS bad version is EINVAL");

	u = gen(2, 0, 2, -2, 100);
	from_user(&u, &f);
	bad[0] = 0;
	bad[1] = 1;
	rf_rx_reset(&rx);
	check(rf_rx_header(&rx, &f, bad) == -EBADMSG && rx.err == -EBADMSG,
	      "rx error: negative length is EBADMSG");
	rf_rx_reset(&rx);
	check(rx.state == RF_RX_HDR && rx.err == 0,
	      "rx error: reset clears the error");
}

/*
 * A stream of records that arrives in random pieces and is read with random
 * buffer sizes, as recvmsg() would: nothing may be read before its record
 * is complete, the data must come out intact and each record must end
 * exactly once, at its last byte.
 */
static void test_rx_stream(bool want_hdr)
{
	static u8 stream[64 * 3006], out[64 * 3006], expect[64 * 3006];
	struct recframe_framing u = gen(6, 2, 3, -6, 3000);
	u32 total = 0, arrived = 0, rpos = 0, outpos = 0, explen = 0;
	u32 nrec = 64, rec = 0, rec_out = 0, rec_want = 0, i, j;
	struct rf_format f;
	struct rf_rx rx;
	bool good = true;

	u.flags = RECFRAME_F_TYPE;
	u.type_off = 0;
	from_user(&u, &f);
	for (i = 0; i < nrec; i++) {
		u32 len = i % 8 == 0 ? 0 : rnd() % 3001;

		rf_hdr_build(&f, stream + total, (u8)i, len);
		if (want_hdr) {
			memcpy(expect + explen, stream + total, 6);
			explen += 6;
		}
		total += 6;
		for (j = 0; j < len; j++) {
			stream[total] = rnd();
			expect[explen++] = stream[total++];
		}
	}

	rf_rx_reset(&rx);
	while (good && rec < nrec) {
		u32 avail = arrived - rpos, skip, copy, rest;

		if (rx.state == RF_RX_HDR && avail >= f.hdr_len) {
			good = rf_rx_header(&rx, &f, stream + rpos) == 0 &&
			       rx.type == (u8)rec;
			rec_out = 0;
			rec_want = rx.payload_len + (want_hdr ? 6 : 0);
			continue;
		}
		if (!rf_rx_complete(&rx, &f, avail)) {
			/* Partial must really mean that bytes are missing. */
			if (rx.state == RF_RX_BODY)
				good = avail < rf_rx_record_len(&rx, &f) -
					       rx.off;
			arrived += 1 + rnd() % 1500;
			if (arrived > total)
				arrived = total;
			continue;
		}
		rest = rf_rx_record_len(&rx, &f) - rx.off;
		rf_rx_plan(&rx, &f, want_hdr, rnd() % 700 + 1, &skip, &copy);
		good = skip + copy <= rest && (want_hdr ? !skip : true);
		memcpy(out + outpos, stream + rpos + skip, copy);
		outpos += copy;
		rec_out += copy;
		rpos += skip + copy;
		if (rf_rx_consume(&rx, &f, skip + copy)) {
			good = good && skip + copy == rest &&
			       rec_out == rec_want && rx.state == RF_RX_HDR;
			rec++;
		} else {
			good = good && skip + copy < rest;
		}
	}
	check(good && rec == nrec && rpos == total && outpos == explen &&
	      !memcmp(out, expect, explen),
	      "rx stream of %u records in random pieces, %s headers", nrec,
	      want_hdr ? "with" : "without");
}

int main(void)
{
	test_tls_validation();
	test_generic_validation();
	test_presets();
	test_parse_details();
	test_round_trip();
	test_rx_basic();
	test_rx_zero_len();
	test_rx_errors();
	test_rx_stream(false);
	test_rx_stream(true);
	return finish();
}
