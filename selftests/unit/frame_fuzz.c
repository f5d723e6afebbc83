// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for kmod/frame.c.
 *
 * Input layout: a struct recframe_framing, one byte N, N control bytes that
 * steer how the stream arrives and is read, then the stream itself.
 *
 * Built with clang -fsanitize=fuzzer it is a libFuzzer target. Built with
 * -DRF_FUZZ_STANDALONE it has its own main(): it runs the files named on
 * the command line, or with "-n N -s SEED" N generated inputs; adding
 * "-o DIR" writes those inputs to DIR instead, to seed a libFuzzer corpus.
 */
#include <stdio.h>
#include <stdlib.h>

#include "frame.h"

#define REQUIRE(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

struct stats {
	unsigned long inputs, valid, records, errors;
};

static struct stats stats;

struct ctl {
	const u8 *p;
	size_t len, pos;
};

/* Without control bytes, everything arrives at once and is read whole. */
static unsigned int ctl_next(struct ctl *c, unsigned int dflt)
{
	if (!c->len)
		return dflt;
	return c->p[c->pos++ % c->len];
}

/* Exact-size heap copies, so that ASan catches any read past hdr_len. */
static u8 *dup_hdr(const u8 *p, size_t len)
{
	u8 *h = malloc(len);

	REQUIRE(h);
	memcpy(h, p, len);
	return h;
}

static void check_format(const struct rf_format *f)
{
	struct recframe_framing u;
	struct rf_format g;

	REQUIRE(f->hdr_len >= 1 && f->hdr_len <= RECFRAME_HDR_MAX);
	REQUIRE(f->len_size == 1 || f->len_size == 2 || f->len_size == 3 ||
		f->len_size == 4 || f->len_size == 8);
	REQUIRE(f->len_off + f->len_size <= f->hdr_len);
	REQUIRE(!f->has_type || f->type_off < f->hdr_len);
	REQUIRE(!f->has_type || f->type_off < f->len_off ||
		f->type_off >= f->len_off + f->len_size);
	REQUIRE(f->max_record >= 1 && f->max_record <= RECFRAME_RECORD_LIMIT);
	REQUIRE(f->len_adjust <= 0);

	rf_format_to_user(f, &u);
	REQUIRE(rf_format_from_user(&g, &u) == 0);
	REQUIRE(!memcmp(f, &g, sizeof(g)));
}

/*
 * A header that parsed must come back identical from rf_hdr_build() in the
 * bytes that carry meaning: the length field and the type.
 */
static void check_rebuild(const struct rf_format *f, const u8 *orig,
			  u32 len, u8 type)
{
	u8 *h = malloc(f->hdr_len);
	u32 len2 = ~0U;
	u8 type2;

	REQUIRE(h);
	REQUIRE(rf_hdr_build(f, h, type, len) == 0);
	REQUIRE(!memcmp(h + f->len_off, orig + f->len_off, f->len_size));
	if (f->has_type)
		REQUIRE(h[f->type_off] == orig[f->type_off]);
	if (f->format == RECFRAME_FORMAT_TLS)
		REQUIRE(h[1] == 3 && h[2] == 3);
	REQUIRE(rf_hdr_parse(f, h, &len2, &type2) == 0);
	REQUIRE(len2 == len && type2 == (f->has_type ? type : 0));
	free(h);
}

static void check_build(const struct rf_format *f, u32 len, u8 type)
{
	u8 *h = malloc(f->hdr_len);
	u32 len2;
	u8 type2;
	int err;

	REQUIRE(h);
	err = rf_hdr_build(f, h, type, len);
	if (len > f->max_record) {
		REQUIRE(err == -EMSGSIZE);
	} else {
		REQUIRE(err == 0);
		REQUIRE(rf_hdr_parse(f, h, &len2, &type2) == 0);
		REQUIRE(len2 == len && type2 == (f->has_type ? type : 0));
	}
	free(h);
}

static void run_stream(const struct rf_format *f, struct ctl *c,
		       const u8 *s, size_t n)
{
	size_t arrived = 0, rpos = 0, rec_start = 0;
	struct rf_rx rx;
	unsigned int iter = 0;

	rf_rx_reset(&rx);
	for (;;) {
		size_t avail = arrived - rpos;
		u32 reclen, rest;

		REQUIRE(++iter < 4 * n + 1000);
		if (rx.state == RF_RX_ERR) {
			REQUIRE(rx.err == -EMSGSIZE ||
				(rx.err == -EINVAL &&
				 f->format == RECFRAME_FORMAT_TLS) ||
				(rx.err == -EBADMSG &&
				 f->format == RECFRAME_FORMAT_LENGTH));
			stats.errors++;
			return;
		}
		if (rx.state == RF_RX_HDR) {
			REQUIRE(rx.off == 0 && rpos == rec_start);
			REQUIRE(!rf_rx_complete(&rx, f, avail));
			if (avail >= f->hdr_len) {
				u8 *h = dup_hdr(s + rpos, f->hdr_len);
				u32 plen = 0;
				u8 type = 0;
				int err, err2;

				err2 = rf_hdr_parse(f, h, &plen, &type);
				err = rf_rx_header(&rx, f, h);
				REQUIRE(err == err2);
				if (!err) {
					REQUIRE(rx.state == RF_RX_BODY);
					REQUIRE(rx.payload_len == plen &&
						rx.type == type);
					REQUIRE(plen <= f->max_record);
					check_rebuild(f, h, plen, type);
				} else {
					REQUIRE(rx.state == RF_RX_ERR &&
						rx.err == err);
				}
				free(h);
				continue;
			}
		} else {
			REQUIRE(rx.state == RF_RX_BODY);
			reclen = rf_rx_record_len(&rx, f);
			REQUIRE(reclen == f->hdr_len + rx.payload_len);
			REQUIRE(rx.off < reclen);
			REQUIRE(rpos == rec_start + rx.off);
			rest = reclen - rx.off;
			if (rf_rx_complete(&rx, f, avail)) {
				unsigned int k = ctl_next(c, 255);
				bool want_hdr = k & 1;
				size_t ulen = (k >> 2) * 131 + (k & 2) + 1;
				u32 skip, copy;
				bool end;

				REQUIRE(avail >= rest);
				rf_rx_plan(&rx, f, want_hdr, ulen, &skip,
					   &copy);
				REQUIRE(skip + copy <= rest);
				REQUIRE(copy <= ulen);
				REQUIRE(copy == ulen || skip + copy == rest);
				REQUIRE(!want_hdr || !skip);
				REQUIRE(!skip ||
					rx.off + skip == f->hdr_len);
				end = rf_rx_consume(&rx, f, skip + copy);
				REQUIRE(end == (skip + copy == rest));
				rpos += skip + copy;
				if (end) {
					REQUIRE(rx.state == RF_RX_HDR &&
						rx.off == 0);
					rec_start = rpos;
					stats.records++;
				}
				continue;
			}
			REQUIRE(avail < rest);
		}
		if (arrived == n)
			return;
		arrived += 1 + ctl_next(c, 255) * 61;
		if (arrived > n)
			arrived = n;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct recframe_framing u;
	struct rf_format f;
	struct ctl c = { 0 };
	int err;

	stats.inputs++;
	if (size < sizeof(u))
		return 0;
	memcpy(&u, data, sizeof(u));
	data += sizeof(u);
	size -= sizeof(u);

	memset(&f, 0x5a, sizeof(f));
	err = rf_format_from_user(&f, &u);
	if (err) {
		struct rf_format untouched;

		memset(&untouched, 0x5a, sizeof(untouched));
		REQUIRE(err == -EINVAL);
		REQUIRE(!memcmp(&f, &untouched, sizeof(f)));
		return 0;
	}
	stats.valid++;
	check_format(&f);

	if (size) {
		c.len = data[0] < size - 1 ? data[0] : size - 1;
		c.p = data + 1;
		data += 1 + c.len;
		size -= 1 + c.len;
	}
	if (c.len >= 5) {
		u32 len;

		memcpy(&len, c.p, sizeof(len));
		check_build(&f, len % (2 * f.max_record + 2), c.p[4]);
		check_build(&f, len, c.p[4]);
	}
	run_stream(&f, &c, data, size);
	return 0;
}

#ifdef RF_FUZZ_STANDALONE
#include <time.h>

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put_field(u8 *p, unsigned int size, bool le, u64 v)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		p[le ? i : size - 1 - i] = (u8)(v >> (8 * i));
}

/*
 * Mostly valid framings and well-formed records with small payloads, with
 * a few bits flipped here and there, so that random runs get past
 * validation and reach the state machine. Written independently of
 * frame.c: it encodes lengths itself.
 */
static size_t gen_input(u8 *buf, size_t room)
{
	struct recframe_framing u = { 0 };
	unsigned int hdr_len, len_off, len_size, type_off = 0, nctl, i;
	static const u8 sizes[] = { 1, 2, 3, 4, 8 };
	bool le = false, typed = false, tls = rnd() % 3 == 0;
	s32 adj = 0;
	size_t pos;

	if (tls) {
		u.format = RECFRAME_FORMAT_TLS;
		u.max_record = rnd() % 4 ? rnd() % 2048 : 0;
		hdr_len = 5;
		len_off = 3;
		len_size = 2;
	} else {
		len_size = sizes[rnd() % 5];
		hdr_len = len_size + rnd() % (RECFRAME_HDR_MAX - len_size + 1);
		len_off = rnd() % (hdr_len - len_size + 1);
		le = rnd() & 1;
		typed = hdr_len > len_size && rnd() & 1;
		if (typed) {
			do
				type_off = rnd() % hdr_len;
			while (type_off >= len_off &&
			       type_off < len_off + len_size);
		}
		adj = rnd() & 1 ? -(s32)(rnd() % (hdr_len + 1)) : 0;
		u.format = RECFRAME_FORMAT_LENGTH;
		u.hdr_len = hdr_len;
		u.len_off = len_off;
		u.len_size = len_size;
		u.type_off = type_off;
		u.flags = (le ? RECFRAME_F_LITTLE_ENDIAN : 0) |
			  (typed ? RECFRAME_F_TYPE : 0);
		u.len_adjust = adj;
		u.max_record = 1 + rnd() % (len_size == 1 ? 200 : 3000);
	}
	if (rnd() % 16 == 0)
		((u8 *)&u)[rnd() % sizeof(u)] ^= 1 << (rnd() % 8);
	memcpy(buf, &u, sizeof(u));
	pos = sizeof(u);

	nctl = rnd() % 4 ? rnd() % 32 : 0;
	buf[pos++] = nctl;
	for (i = 0; i < nctl; i++)
		buf[pos++] = rnd();

	while (pos + hdr_len + 3000 < room && rnd() % 24) {
		u32 max = u.max_record ? u.max_record : 16384;
		u32 plen = rnd() % 8 ? rnd() % (max + 1) : 0;
		u8 *h = buf + pos;

		if (plen > 3000)
			plen = 3000;
		for (i = 0; i < hdr_len; i++)
			h[i] = rnd();
		if (tls)
			h[1] = 3;
		put_field(h + len_off, len_size, le, (u64)plen - adj);
		/* Around zero, where the adjust makes lengths negative. */
		if (rnd() % 32 == 0)
			put_field(h + len_off, len_size, le,
				  rnd() % (hdr_len + 2));
		pos += hdr_len;
		for (i = 0; i < plen; i++)
			buf[pos++] = rnd();
		if (rnd() % 64 == 0)
			buf[pos - 1 - rnd() % (pos - sizeof(u))] ^= 0x80;
	}
	/* Sometimes cut the last record short, as a FIN would. */
	if (rnd() % 4 == 0 && pos > sizeof(u) + 1)
		pos -= rnd() % (pos - sizeof(u));
	return pos;
}

static int run_file(const char *path)
{
	static u8 buf[1 << 20];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int write_file(const char *dir, unsigned long i, const u8 *buf,
		      size_t n)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/gen-%06lu", dir, i);
	fp = fopen(path, "wb");
	if (!fp || fwrite(buf, 1, n, fp) != n) {
		perror(path);
		if (fp)
			fclose(fp);
		return 1;
	}
	return fclose(fp) ? 1 : 0;
}

int main(int argc, char **argv)
{
	static u8 buf[256 * 1024];
	unsigned long n = 0, i;
	const char *outdir = NULL;
	u64 seed = 1;
	bool gen = false;
	clock_t t0 = clock();
	int a, rc = 0;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-n") && a + 1 < argc) {
			n = strtoul(argv[++a], NULL, 0);
			gen = true;
		} else if (!strcmp(argv[a], "-s") && a + 1 < argc) {
			seed = strtoull(argv[++a], NULL, 0);
		} else if (!strcmp(argv[a], "-o") && a + 1 < argc) {
			outdir = argv[++a];
		} else {
			rc |= run_file(argv[a]);
		}
	}
	rng = seed ? seed : 1;
	for (i = 0; gen && i < n; i++) {
		size_t len = gen_input(buf, outdir ? 8192 : sizeof(buf));

		if (outdir)
			rc |= write_file(outdir, i, buf, len);
		else
			LLVMFuzzerTestOneInput(buf, len);
	}

	printf("frame_fuzz: %lu inputs, %lu valid framings, %lu records, ",
	       stats.inputs, stats.valid, stats.records);
	printf("%lu stream errors, %.1fs\n", stats.errors,
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("%s\n", rc ? "not ok" : "ok");
	return rc;
}
#endif
