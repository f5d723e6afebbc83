// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded stream fuzzer for recframe's receive side, with a model.
 *
 * Each iteration draws, from its seed, a stream of records ending in one
 * terminal event, in one of the two modes:
 *
 *  - framing, in a random record format (TLS header, 1, 2, 3, 4 and 8-byte
 *    length fields, big and little endian, typed and untyped, negative
 *    len_adjust), optionally with RECFRAME_RX_HEADER;
 *  - TLS 1.2 or 1.3 (AES-GCM-128/256, AES-CCM-128, ChaCha20-Poly1305),
 *    records sealed here with OpenSSL's EVP and the receiver's keys,
 *    with control records, TLS 1.3 padding and KeyUpdate.
 *
 * Records are valid ones of every size from 0 to max_record, of random
 * types; the terminal event is a clean FIN, a reset, a record cut short by
 * a FIN, a header announcing max+1 (or far more), a malformed header, a
 * bad version, a bad tag, an all-zero TLS 1.3 plaintext, or a record
 * sequence number running out.
 *
 * A plain TCP socket writes the stream in random pieces (TCP_NODELAY, now
 * and then a short sleep), possibly partly before the receiver configures
 * recframe, after a prefix of plain bytes the receiver reads through TCP.
 * The recframe receiver reads with random sizes and flags (MSG_PEEK,
 * MSG_WAITALL, MSG_TRUNC, MSG_DONTWAIT after poll(), no cmsg room) and
 * sometimes splice(). A model of the contract predicts every result: the
 * bytes, MSG_EOR, MSG_CTRUNC, the record type cmsg, the errno at the exact
 * call, sticky errors, EKEYEXPIRED after a KeyUpdate, every counter of
 * RECFRAME_INFO after every call, and the TLS_RX key and sequence number.
 * A mismatch, a hang (SO_RCVTIMEO) or a kernel complaint (the VM runner)
 * fails the test and names the seed.
 *
 * Environment: RF_SEED=n first seed (iteration i uses n + i), RF_ITERS=n
 * at most n iterations per test, RF_FUZZ_SECONDS=n time budget of the two
 * tests together (default 24). `make fuzz SECONDS=n` sets the latter.
 */
#include <linux/tls.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>
#include <linux/sockios.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#define FZ_DEFAULT_SEED		0x66757a7a00000000ULL	/* "fuzz" */
#define FZ_DEFAULT_SECONDS	24
#define FZ_TIMEOUT_MS		10000
#define FZ_WIRE_MAX		(640 * 1024)
#define FZ_MAX_EPOCHS		8
#define FZ_MAX_OPS		20000

#define TLS_DATA		23
#define TLS_HANDSHAKE		22
#define TLS_MAX_PLAIN		16384
#define TLS_TAG			16

/* ------------------------------------------------------------ random --- */

static void rfill(struct rf_rng *r, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rf_rnd(r);
}

/* ------------------------------------------------------------ buffers --- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* Room for @n more bytes; returns their offset. */
static size_t buf_add(struct buf *b, size_t n)
{
	size_t off = b->len;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	b->len += n;
	return off;
}

static size_t buf_rand(struct buf *b, struct rf_rng *r, size_t n)
{
	size_t off = buf_add(b, n);

	rfill(r, b->p + off, n);
	return off;
}

static size_t buf_put(struct buf *b, const void *p, size_t n)
{
	size_t off = buf_add(b, n);

	if (n)
		memcpy(b->p + off, p, n);
	return off;
}

/* ------------------------------------------------------------- stream --- */

enum { T_EOF, T_RST, T_ERR };			/* how the stream ends */
enum { E_HDR, E_DECRYPT, E_SEQ };		/* where a T_ERR shows */
enum { END_FIN, END_OPEN, END_RST };		/* what the sender does last */

static const char * const term_names[] = { "eof", "rst", "err" };

struct rec {
	uint32_t	len;	/* payload (framing) or content (TLS) bytes */
	uint32_t	vis;	/* what a reader gets: len, or header + len */
	uint32_t	inner;	/* TLS: plaintext decrypted (content, type, pad) */
	size_t		voff;	/* the visible bytes, in stream.vis */
	uint8_t		type;
	bool		ku;	/* TLS 1.3 KeyUpdate */
};

struct cipher {
	uint16_t	id;
	const char	*name;
	int		keylen, ivlen, saltlen;
	bool		ccm;
	const EVP_CIPHER *(*evp)(void);
};

static const struct cipher ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, "aes-gcm-128", 16, 8, 4, false,
	  EVP_aes_128_gcm },
	{ TLS_CIPHER_AES_GCM_256, "aes-gcm-256", 32, 8, 4, false,
	  EVP_aes_256_gcm },
	{ TLS_CIPHER_AES_CCM_128, "aes-ccm-128", 16, 8, 4, true,
	  EVP_aes_128_ccm },
	{ TLS_CIPHER_CHACHA20_POLY1305, "chacha20-poly1305", 32, 12, 0, false,
	  EVP_chacha20_poly1305 },
};

struct keyset {
	uint8_t key[32], iv[12], salt[4];
};

struct stream {
	uint64_t		seed;
	bool			tls;
	char			desc[160];
	/* framing */
	struct recframe_framing	fr;
	unsigned int		hlen;
	uint64_t		fmax;	/* largest value of the length field */
	bool			typed;
	bool			rx_header;
	/* TLS */
	uint16_t		version;
	const struct cipher	*c;
	unsigned int		explicit_iv;
	struct keyset		keys[FZ_MAX_EPOCHS];
	int			epochs;
	uint64_t		seq0;
	/* the records, then the terminal event */
	struct rec		*recs;
	int			nrec, cap;
	int			term, how, err;
	int			end;
	struct buf		wire;	/* what the sender writes */
	struct buf		vis;	/* what the reader should get */
	size_t			prefix;	/* plain bytes before the records */
	size_t			pre;	/* written before the receiver is set up */
	bool			attach_first;
	int			rcvbuf;
};

static bool v13(const struct stream *s)
{
	return s->version == TLS_1_3_VERSION;
}

static struct rec *rec_new(struct stream *s)
{
	if (s->nrec == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->recs = realloc(s->recs, s->cap * sizeof(*s->recs));
		if (!s->recs)
			abort();
	}
	memset(&s->recs[s->nrec], 0, sizeof(s->recs[0]));
	return &s->recs[s->nrec++];
}

static void stream_free(struct stream *s)
{
	free(s->recs);
	free(s->wire.p);
	free(s->vis.p);
	memset(s, 0, sizeof(*s));
}

/* --------------------------------------------------- framing records --- */

static void pick_format(struct stream *s, struct rf_rng *r)
{
	struct recframe_framing *fr = &s->fr;
	uint64_t lim;

	memset(fr, 0, sizeof(*fr));
	fr->format = RECFRAME_FORMAT_LENGTH;
	switch (rf_rnd(r) % 7) {
	case 0:
		fr->format = RECFRAME_FORMAT_TLS;
		switch (rf_rnd(r) % 4) {
		case 0:
			fr->max_record = 16384;
			break;
		case 1:
			fr->max_record = rf_rrange(r, 1, 300);
			break;
		case 2:
			fr->max_record = 65535;
			break;
		default:
			fr->max_record = rf_rrange(r, 1, 20000);
			break;
		}
		s->hlen = 5;
		s->fmax = 65535;
		s->typed = true;
		snprintf(s->desc, sizeof(s->desc), "framing tls max %u",
			 fr->max_record);
		return;
	case 1:		/* libvirt: a length counting itself */
		fr->hdr_len = 4;
		fr->len_size = 4;
		fr->len_adjust = -4;
		break;
	case 2:		/* Kafka */
		fr->hdr_len = 4;
		fr->len_size = 4;
		break;
	case 3:		/* DNS over TCP */
		fr->hdr_len = 2;
		fr->len_size = 2;
		break;
	case 4:		/* type byte, 3-byte length, two ignored bytes */
		fr->hdr_len = 6;
		fr->type_off = 0;
		fr->len_off = 1;
		fr->len_size = 3;
		fr->flags = RECFRAME_F_TYPE |
			    (rf_chance(r, 50) ? RECFRAME_F_LITTLE_ENDIAN : 0);
		fr->len_adjust = -(int32_t)rf_rrange(r, 0, 6);
		break;
	case 5:		/* 8-byte little-endian length, type at the end */
		fr->hdr_len = 12;
		fr->len_off = 2;
		fr->len_size = 8;
		fr->type_off = 11;
		fr->flags = RECFRAME_F_TYPE | RECFRAME_F_LITTLE_ENDIAN;
		fr->len_adjust = rf_chance(r, 50) ? -12 : 0;
		break;
	default:	/* 1-byte length, a type byte after it */
		fr->hdr_len = 3;
		fr->len_off = 1;
		fr->len_size = 1;
		fr->type_off = 2;
		fr->flags = rf_chance(r, 50) ? RECFRAME_F_TYPE : 0;
		if (!(fr->flags & RECFRAME_F_TYPE))
			fr->type_off = 0;
		fr->len_adjust = rf_chance(r, 50) ? -3 : 0;
		break;
	}
	s->hlen = fr->hdr_len;
	s->fmax = fr->len_size == 8 ? ~0ULL :
		  (1ULL << (8 * fr->len_size)) - 1;
	s->typed = fr->flags & RECFRAME_F_TYPE;
	/* max_record - len_adjust must fit in the field. */
	lim = s->fmax + fr->len_adjust;
	if (lim > RECFRAME_RECORD_LIMIT)
		lim = RECFRAME_RECORD_LIMIT;
	switch (rf_rnd(r) % 5) {
	case 0:
		fr->max_record = lim;
		break;
	case 1:
		fr->max_record = rf_rrange(r, 1, lim < 300 ? lim : 300);
		break;
	case 2:
		fr->max_record = rf_rrange(r, 1, lim < 262144 ? lim : 262144);
		break;
	default:
		fr->max_record = rf_rrange(r, 1, lim < 20000 ? lim : 20000);
		break;
	}
	if (fr->max_record > 262144 && rf_chance(r, 80))
		fr->max_record = 262144;
	snprintf(s->desc, sizeof(s->desc),
		 "framing hdr %u len@%u/%u%s adj %d%s max %u",
		 fr->hdr_len, fr->len_off, fr->len_size,
		 fr->flags & RECFRAME_F_LITTLE_ENDIAN ? "le" : "be",
		 fr->len_adjust, s->typed ? " typed" : "", fr->max_record);
}

/* A header with a raw length field value; ignored bytes are garbage. */
static size_t put_hdr(struct stream *s, struct rf_rng *r, uint8_t type,
		      uint64_t field)
{
	const struct recframe_framing *fr = &s->fr;
	size_t off = buf_add(&s->wire, s->hlen);
	uint8_t *h = s->wire.p + off;

	if (fr->format == RECFRAME_FORMAT_TLS) {
		h[0] = type;
		h[1] = 3;
		h[2] = rf_chance(r, 70) ? 3 : rf_rnd(r);	/* not checked */
		h[3] = field >> 8;
		h[4] = field;
		return off;
	}
	rfill(r, h, s->hlen);
	rf_len_put(fr, h, field);
	if (s->typed)
		h[fr->type_off] = type;
	return off;
}

static uint8_t pick_type(struct rf_rng *r, bool tls13)
{
	static const uint8_t common[] = { 20, 21, 22, 24, 25, 1, 255 };
	uint8_t t;

	if (rf_chance(r, 40))
		return common[rf_rnd(r) % sizeof(common)];
	do {
		t = rf_rnd(r);
	} while (t == TLS_DATA || !t || (tls13 && !t));
	return t;
}

static uint32_t pick_len(struct rf_rng *r, uint32_t max, bool allow_empty)
{
	uint32_t len;

	switch (rf_rnd(r) % 20) {
	case 0 ... 1:
		len = 0;
		break;
	case 2 ... 6:
		len = rf_rrange(r, 1, 64);
		break;
	case 7 ... 10:
		len = rf_rrange(r, 65, 2048);
		break;
	case 11:
		len = max;
		break;
	case 12:
		len = max ? max - 1 : 0;
		break;
	default:
		len = rf_rrange(r, 0, max < 16384 ? max : 16384);
		break;
	}
	if (len > max)
		len = max;
	if (!len && !allow_empty)
		len = max ? 1 : 0;
	return len;
}

static void gen_framing(struct stream *s, struct rf_rng *r)
{
	const struct recframe_framing *fr = &s->fr;
	uint32_t max;
	int n = rf_rrange(r, 1, rf_chance(r, 20) ? 80 : 25), i;
	size_t off, cut;
	uint64_t v;
	struct rec *rc;
	int pick;

	pick_format(s, r);
	max = fr->max_record;
	s->rx_header = rf_chance(r, 25);
	for (i = 0; i < n; i++) {
		uint8_t type = s->typed ?
			(rf_chance(r, 70) ? TLS_DATA : pick_type(r, false)) : 0;
		uint32_t len = pick_len(r, max, true);

		if (s->wire.len + len > FZ_WIRE_MAX)
			len %= max < 512 ? max + 1 : 512;
		rc = rec_new(s);
		rc->len = len;
		rc->type = type;
		off = put_hdr(s, r, type, (uint64_t)((int64_t)len -
						     fr->len_adjust));
		buf_rand(&s->wire, r, len);
		if (s->rx_header) {
			rc->vis = s->hlen + len;
			rc->voff = buf_put(&s->vis, s->wire.p + off, rc->vis);
		} else {
			rc->vis = len;
			rc->voff = buf_put(&s->vis, s->wire.p + off + s->hlen,
					   len);
		}
	}

	/* The terminal event. */
	s->end = END_FIN;
	pick = rf_rnd(r) % 100;
	if (pick < 30) {
		s->term = T_EOF;
		return;
	}
	if (pick < 55) {
		/* A record cut short: a FIN (EPROTO) or a reset after it. */
		bool rst = pick < 40;
		uint32_t len = pick_len(r, max, true);

		s->term = rst ? T_RST : T_ERR;
		s->end = rst ? END_RST : END_FIN;
		s->how = E_HDR;
		s->err = EPROTO;
		if (rst && rf_chance(r, 40))
			return;		/* reset at a record boundary */
		off = put_hdr(s, r, TLS_DATA,
			      (uint64_t)((int64_t)len - fr->len_adjust));
		buf_rand(&s->wire, r, len);
		/* hlen >= 2: there is always a place to cut. */
		s->wire.len = off + rf_rrange(r, 1, s->hlen + len - 1);
		return;
	}

	/* A bad header: whichever this format can express. */
	s->term = T_ERR;
	s->how = E_HDR;
	s->end = rf_chance(r, 50) ? END_FIN : END_OPEN;
	if (fr->format != RECFRAME_FORMAT_TLS && fr->len_adjust >= 0 &&
	    s->fmax <= (uint64_t)((int64_t)max - fr->len_adjust)) {
		/* Nothing is malformed in this format: a clean end. */
		s->term = T_EOF;
		s->end = END_FIN;
		return;
	}
	for (;;) {
		pick = rf_rnd(r) % 3;
		if (pick == 0 && fr->format == RECFRAME_FORMAT_TLS) {
			off = put_hdr(s, r, TLS_DATA, rf_rnd(r) & 0xffff);
			do {
				s->wire.p[off + 1] = rf_rnd(r);
			} while (s->wire.p[off + 1] == 3);
			s->err = EINVAL;
			break;
		}
		if (pick == 1 && fr->len_adjust < 0) {
			put_hdr(s, r, TLS_DATA,
				rf_rrange(r, 0, -fr->len_adjust - 1));
			s->err = EBADMSG;
			break;
		}
		if (pick == 2 &&
		    s->fmax > (uint64_t)((int64_t)max - fr->len_adjust)) {
			uint64_t lo = (int64_t)max - fr->len_adjust + 1;

			if (fr->len_size == 8 && rf_chance(r, 30))
				v = rf_rnd(r) | (1ULL << 32);
			else if (rf_chance(r, 50))
				v = lo;		/* max + 1 */
			else
				v = rf_rrange(r, lo, s->fmax);
			put_hdr(s, r, TLS_DATA, v);
			s->err = EMSGSIZE;
			break;
		}
	}
	/* Whatever follows a bad header is never looked at. */
	cut = rf_rrange(r, 0, 64);
	buf_rand(&s->wire, r, cut);
}

/* ------------------------------------------------------- TLS records --- */

static int aead_seal(const struct cipher *c, const uint8_t *key,
		     const uint8_t nonce[12], const uint8_t *aad, int aadlen,
		     const uint8_t *pt, int ptlen, uint8_t *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = x && EVP_EncryptInit_ex(x, c->evp(), NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(x, c->ccm ? EVP_CTRL_CCM_SET_IVLEN :
				 EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
	     (!c->ccm ||
	      EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_CCM_SET_TAG, TLS_TAG, NULL)) &&
	     EVP_EncryptInit_ex(x, NULL, NULL, key, nonce) &&
	     (!c->ccm || EVP_EncryptUpdate(x, NULL, &n, NULL, ptlen)) &&
	     EVP_EncryptUpdate(x, NULL, &n, aad, aadlen) &&
	     EVP_EncryptUpdate(x, out, &n, pt, ptlen) &&
	     EVP_EncryptFinal_ex(x, out + n, &n) &&
	     EVP_CIPHER_CTX_ctrl(x, c->ccm ? EVP_CTRL_CCM_GET_TAG :
				 EVP_CTRL_AEAD_GET_TAG, TLS_TAG, out + ptlen);
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

static void tls_nonce(const struct stream *s, const struct keyset *k,
		      uint64_t seq, const uint8_t *explicit, uint8_t nonce[12])
{
	int i;

	if (s->explicit_iv) {
		memcpy(nonce, k->salt, 4);
		memcpy(nonce + 4, explicit, 8);
		return;
	}
	memcpy(nonce, k->salt, s->c->saltlen);
	memcpy(nonce + s->c->saltlen, k->iv, s->c->ivlen);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= seq >> (56 - 8 * i);
}

static unsigned int tls_overhead(const struct stream *s)
{
	return s->explicit_iv + TLS_TAG;
}

/* The largest record payload the receiver accepts. */
static unsigned int tls_max_payload(const struct stream *s)
{
	return TLS_MAX_PLAIN + tls_overhead(s) + (v13(s) ? 1 : 0);
}

/*
 * Append one record sealed with epoch @e and sequence number @seq. @pt is
 * the whole plaintext (TLS 1.3: content, type and padding). Returns the
 * record's offset in the wire.
 */
static size_t tls_put(struct stream *s, struct rf_rng *r, int e,
		      uint64_t seq, uint8_t type, const uint8_t *pt,
		      uint32_t ptlen)
{
	uint32_t plen = s->explicit_iv + ptlen + TLS_TAG;
	size_t off = buf_add(&s->wire, 5 + plen);
	uint8_t *h = s->wire.p + off, aad[13], nonce[12];
	int aadlen;

	h[0] = v13(s) ? TLS_DATA : type;
	h[1] = 3;
	h[2] = 3;
	h[3] = plen >> 8;
	h[4] = plen;
	rfill(r, h + 5, s->explicit_iv);
	if (v13(s)) {
		memcpy(aad, h, 5);
		aadlen = 5;
	} else {
		int i;

		for (i = 0; i < 8; i++)
			aad[i] = seq >> (56 - 8 * i);
		aad[8] = type;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = ptlen >> 8;
		aad[12] = ptlen;
		aadlen = 13;
	}
	tls_nonce(s, &s->keys[e], seq, h + 5, nonce);
	if (aead_seal(s->c, s->keys[e].key, nonce, aad, aadlen, pt, ptlen,
		      h + 5 + s->explicit_iv))
		abort();
	return off;
}

static void gen_tls(struct stream *s, struct rf_rng *r)
{
	uint8_t *pt = malloc(TLS_MAX_PLAIN + 256);
	int n = rf_rrange(r, 1, rf_chance(r, 20) ? 60 : 20), i, e = 0, j;
	uint64_t seq;
	bool exhaust;
	size_t off, cut;
	struct rec *rc;
	int pick;

	if (!pt)
		abort();
	s->tls = true;
	s->version = rf_chance(r, 50) ? TLS_1_2_VERSION : TLS_1_3_VERSION;
	s->c = &ciphers[rf_rnd(r) % (sizeof(ciphers) / sizeof(ciphers[0]))];
	s->explicit_iv = !v13(s) && s->c->saltlen ? 8 : 0;
	for (j = 0; j < FZ_MAX_EPOCHS; j++) {
		rfill(r, s->keys[j].key, sizeof(s->keys[j].key));
		rfill(r, s->keys[j].iv, sizeof(s->keys[j].iv));
		rfill(r, s->keys[j].salt, sizeof(s->keys[j].salt));
	}
	/* Sometimes the sequence number runs out before the last record. */
	exhaust = rf_chance(r, 6);
	s->seq0 = exhaust ? ~0ULL - (n - 1) : rf_rnd(r) >> rf_rrange(r, 1, 63);
	seq = s->seq0;
	snprintf(s->desc, sizeof(s->desc), "tls 1.%d %s seq0 %#llx",
		 v13(s) ? 3 : 2, s->c->name, (unsigned long long)s->seq0);

	for (i = 0; i < n; i++) {
		bool ctl = rf_chance(r, 30);
		uint8_t type = ctl ? pick_type(r, v13(s)) : TLS_DATA;
		uint32_t len, pad = 0, ptlen;

		rc = rec_new(s);
		if (v13(s) && !exhaust && e + 1 < FZ_MAX_EPOCHS &&
		    rf_chance(r, 6)) {
			/* KeyUpdate: handshake type 24, length 1, request. */
			type = TLS_HANDSHAKE;
			len = 5;
			pt[0] = 24;
			pt[1] = 0;
			pt[2] = 0;
			pt[3] = 1;
			pt[4] = rf_rnd(r) & 1;
			rc->ku = true;
		} else {
			/* An empty control record reads as 0: not here. */
			len = pick_len(r, TLS_MAX_PLAIN, !ctl);
			if (ctl && len > 2048 && rf_chance(r, 70))
				len = len % 2048 + 1;
			rfill(r, pt, len);
		}
		if (v13(s) && rf_chance(r, 30)) {
			uint32_t room = TLS_MAX_PLAIN - len;

			pad = rf_chance(r, 70) ?
			      rf_rrange(r, 0, room < 32 ? room : 32) :
			      rf_rrange(r, 0, room);
		}
		if (s->wire.len + len > FZ_WIRE_MAX && !rc->ku)
			len = len % 512 + ctl;
		rc->type = type;
		rc->len = len;
		rc->vis = len;
		rc->voff = buf_put(&s->vis, pt, len);
		ptlen = len;
		if (v13(s)) {
			pt[len] = type;
			memset(pt + len + 1, 0, pad);
			ptlen = len + 1 + pad;
		}
		rc->inner = ptlen;
		tls_put(s, r, e, seq, type, pt, ptlen);
		seq++;
		if (rc->ku) {
			e++;
			seq = 0;
		}
	}
	s->epochs = e + 1;

	s->end = END_FIN;
	if (exhaust) {
		/* The next record would need sequence number 2^64. */
		s->term = T_ERR;
		s->how = E_SEQ;
		s->err = EBADMSG;
		pt[0] = 1;
		tls_put(s, r, e, seq, TLS_DATA, pt, v13(s) ? 2 : 1);
		s->end = rf_chance(r, 50) ? END_FIN : END_OPEN;
		goto out;
	}
	pick = rf_rnd(r) % 100;
	if (pick < 25) {
		s->term = T_EOF;
		goto out;
	}
	if (pick < 50) {
		uint32_t len = pick_len(r, 4096, true);

		rfill(r, pt, len);
		pt[len] = TLS_DATA;
		off = tls_put(s, r, e, seq, TLS_DATA, pt, len + v13(s));
		cut = rf_rrange(r, 1, s->wire.len - off - 1);
		if (pick < 35) {
			s->term = T_RST;
			s->end = END_RST;
			if (rf_chance(r, 40))
				cut = 0;
		} else {
			s->term = T_ERR;
			s->how = E_HDR;
			s->err = EPROTO;
		}
		s->wire.len = off + cut;
		goto out;
	}
	s->term = T_ERR;
	s->end = rf_chance(r, 50) ? END_FIN : END_OPEN;
	if (pick < 72) {
		uint8_t h[5] = { rf_chance(r, 80) ? TLS_DATA :
						    pick_type(r, false),
				 3, 3 };
		uint32_t plen;

		s->how = E_HDR;
		switch (rf_rnd(r) % 3) {
		case 0:
			plen = rf_rrange(r, tls_max_payload(s) + 1,
					 rf_chance(r, 50) ?
					 tls_max_payload(s) + 1 : 65535);
			s->err = EMSGSIZE;
			break;
		case 1:
			plen = rf_rrange(r, 0, tls_overhead(s) - 1);
			s->err = EBADMSG;
			break;
		default:
			plen = rf_rrange(r, tls_overhead(s) + v13(s),
					 tls_max_payload(s));
			do {
				h[1 + (rf_rnd(r) & 1)] = rf_rnd(r);
			} while (h[1] == 3 && h[2] == 3);
			s->err = EINVAL;
			break;
		}
		h[3] = plen >> 8;
		h[4] = plen;
		buf_put(&s->wire, h, 5);
		cut = rf_rrange(r, 0, plen < 200 ? plen : 200);
		buf_rand(&s->wire, r, cut);
		goto out;
	}
	s->err = EBADMSG;
	s->how = E_DECRYPT;
	if (v13(s) && rf_chance(r, 25)) {
		/* Authentic, but no content type: all zero. */
		uint32_t len = rf_rrange(r, 1, 64);

		memset(pt, 0, len);
		tls_put(s, r, e, seq, TLS_DATA, pt, len);
	} else {
		uint32_t len = pick_len(r, 2048, true);
		uint8_t *rec;
		size_t at;

		rfill(r, pt, len);
		pt[len] = TLS_DATA;
		off = tls_put(s, r, e, seq, TLS_DATA, pt, len + v13(s));
		rec = s->wire.p + off;
		/* Flip a bit anywhere but in the length and version. */
		at = rf_rrange(r, 0, s->wire.len - off - 5);
		if (at)
			rec[4 + at] ^= 1 << (rf_rnd(r) % 8);
		else
			rec[0] ^= 1 << (rf_rnd(r) % 8);
	}
	if (rf_chance(r, 30)) {
		pt[0] = 1;
		tls_put(s, r, e, seq + 1, TLS_DATA, pt, 1 + v13(s));
	}
out:
	free(pt);
}

static size_t tls_info(const struct stream *s, int e, uint64_t seq,
		       uint8_t *info)
{
	const struct cipher *c = s->c;
	size_t off = 0;
	int i;

	info[off++] = s->version;
	info[off++] = s->version >> 8;
	info[off++] = c->id;
	info[off++] = c->id >> 8;
	memcpy(info + off, s->keys[e].iv, c->ivlen);
	off += c->ivlen;
	memcpy(info + off, s->keys[e].key, c->keylen);
	off += c->keylen;
	memcpy(info + off, s->keys[e].salt, c->saltlen);
	off += c->saltlen;
	for (i = 0; i < 8; i++)
		info[off++] = seq >> (56 - 8 * i);
	return off;
}

static void gen_stream(struct stream *s, uint64_t seed, bool tls)
{
	struct rf_rng r = { rf_mix64(seed) };
	size_t rest;

	memset(s, 0, sizeof(*s));
	s->seed = seed;
	/* Plain bytes first, as a handshake would leave them. */
	if (rf_chance(&r, 20)) {
		s->prefix = rf_rrange(&r, 1, 300);
		buf_rand(&s->wire, &r, s->prefix);
	}
	if (tls)
		gen_tls(s, &r);
	else
		gen_framing(s, &r);
	s->attach_first = rf_chance(&r, 50);
	rest = s->wire.len - s->prefix;
	/* Records queued before the receiver sets the mode up. */
	s->pre = s->prefix + (rf_chance(&r, 25) ? rf_rrange(&r, 0, rest) : 0);
	if (rf_chance(&r, 12))
		s->rcvbuf = rf_rrange(&r, 2048, 65536);
	snprintf(s->desc + strlen(s->desc), sizeof(s->desc) - strlen(s->desc),
		 "%s, %d records, %s%s%s%s, %zu bytes",
		 s->rx_header ? " rx_header" : "", s->nrec,
		 term_names[s->term],
		 s->term == T_ERR ? " " : "",
		 s->term == T_ERR ? strerror(s->err) : "",
		 s->how == E_DECRYPT ? " (decrypt)" :
		 s->how == E_SEQ ? " (sequence)" : "", s->wire.len);
}

/* ------------------------------------------------------------- sender --- */

struct sender {
	pthread_t		thread;
	const struct stream	*s;
	int			fd;
	atomic_int		go;	/* the receiver is set up */
	atomic_int		done;	/* the reader has finished */
	char			err[256];
};

static bool wait_flag(atomic_int *flag, double seconds)
{
	double end = rf_now_s() + seconds;

	while (!atomic_load(flag)) {
		if (rf_now_s() > end)
			return false;
		usleep(200);
	}
	return true;
}

static void *sender_fn(void *arg)
{
	struct sender *snd = arg;
	const struct stream *s = snd->s;
	struct rf_rng r = { rf_mix64(s->seed ^ 0x73656e64) };
	size_t off = 0, limit, piece;
	bool gated = true;
	ssize_t w;

	while (off < s->wire.len || gated) {
		limit = gated ? s->pre : s->wire.len;
		if (off == limit && gated) {
			if (!wait_flag(&snd->go, 30)) {
				snprintf(snd->err, sizeof(snd->err),
					 "receiver never got ready");
				return NULL;
			}
			gated = false;
			continue;
		}
		switch (rf_rnd(&r) % 4) {
		case 0:
			piece = rf_rrange(&r, 1, 16);
			break;
		case 1:
			piece = rf_rrange(&r, 1, 1500);
			break;
		case 2:
			piece = rf_rrange(&r, 1, 16384);
			break;
		default:
			piece = rf_rrange(&r, 1, 65536);
			break;
		}
		if (piece > limit - off)
			piece = limit - off;
		w = send(snd->fd, s->wire.p + off, piece, MSG_NOSIGNAL);
		if (w <= 0) {
			if (!atomic_load(&snd->done))
				snprintf(snd->err, sizeof(snd->err),
					 "write at %zu of %zu: %s", off,
					 s->wire.len, strerror(errno));
			return NULL;
		}
		off += w;
		if (rf_chance(&r, 3))
			usleep(rf_rrange(&r, 50, 3000));
	}

	switch (s->end) {
	case END_FIN:
		shutdown(snd->fd, SHUT_WR);
		break;
	case END_RST: {
		/* Everything acknowledged, so in the receiver's queue. */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		double end = rf_now_s() + 20;
		int outq = 1;

		while (!atomic_load(&snd->done) && rf_now_s() < end &&
		       !ioctl(snd->fd, SIOCOUTQ, &outq) && outq)
			usleep(500);
		if (outq && !atomic_load(&snd->done))
			snprintf(snd->err, sizeof(snd->err),
				 "%d bytes never acknowledged", outq);
		setsockopt(snd->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(snd->fd);
		snd->fd = -1;
		break;
	}
	default:
		break;
	}
	wait_flag(&snd->done, 120);
	return NULL;
}

/* -------------------------------------------------------------- model --- */

/*
 * Where the reader is, and what every counter of RECFRAME_INFO must say.
 * The model follows the contract of include/uapi/linux/recframe.h and, in
 * TLS mode, kTLS's: one record per call unless MSG_WAITALL, which goes on
 * with records of the same type (TLS: data records only); empty records
 * are skipped; a record needing a cmsg it has no room for is EIO (TLS);
 * errors are sticky once the stream reaches them.
 */
struct model {
	const struct stream	*s;
	int			cur;	/* record being read */
	uint32_t		off;	/* its visible bytes returned */
	bool			touched; /* TLS: cur is decrypted, held clear */
	bool			ku_pending;
	int			epoch;
	uint64_t		seq;	/* next RX sequence number */
	bool			seq_exhausted;
	bool			err_set;
	bool			reported; /* a call returned the terminal */
	bool			rst_done;
	int			post;	/* calls after the terminal */
	struct recframe_info	x;	/* expected counters */
	uint64_t		checked; /* records and terminals verified */
};

static bool fz_scratch;		/* a first look by the model: count nothing */


struct expect {
	ssize_t		ret;	/* bytes, or -errno */
	int		flags;	/* MSG_EOR, MSG_CTRUNC */
	int		type;	/* the type cmsg, -1 for none */
	bool		eagain_ok; /* empty records may make DONTWAIT short */
	size_t		nbytes;
	uint8_t		*bytes;
};

static void m_init(struct model *m, const struct stream *s)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->seq = s->seq0;
	if (s->tls) {
		m->x.mode = RECFRAME_MODE_TLS;
		m->x.tls_version = s->version;
		m->x.tls_cipher = s->c->id;
	} else {
		m->x.mode = RECFRAME_MODE_FRAMING | RECFRAME_MODE_FRAMING << 8;
	}
}

/*
 * The receive side stops with @err. Framing errors count in err_*; a
 * failed authentication counts as a decrypt error only, and a sequence
 * number running out in neither.
 */
static void m_set_err(struct model *m, int err, int how)
{
	m->err_set = true;
	m->x.state |= RECFRAME_STATE_RX_ERROR;
	m->x.rx_error = -err;
	if (how == E_DECRYPT)
		m->x.tls_decrypt_errors++;
	if (how != E_HDR)
		return;
	switch (err) {
	case EMSGSIZE:
		m->x.err_msgsize++;
		break;
	case EBADMSG:
		m->x.err_badmsg++;
		break;
	case EINVAL:
		m->x.err_badversion++;
		break;
	case EPROTO:
		m->x.err_truncated++;
		break;
	}
}

/* The call reached the terminal event; returns what it reports. */
static int m_term(struct model *m)
{
	const struct stream *s = m->s;

	m->reported = true;
	switch (s->term) {
	case T_EOF:
		return 0;
	case T_RST:
		if (m->rst_done)
			return 0;
		m->rst_done = true;
		return -ECONNRESET;
	default:
		if (!m->err_set)
			m_set_err(m, s->err, s->how);
		return -s->err;
	}
}

/* TLS: a call with data already copied ran into the terminal event. */
static void m_term_touch(struct model *m)
{
	const struct stream *s = m->s;

	if (s->term == T_ERR && s->how != E_HDR && !m->err_set)
		m_set_err(m, s->err, s->how);
}

static void m_consumed(struct model *m)
{
	m->cur++;
	m->off = 0;
	m->touched = false;
	m->checked++;
}

/* Framing: empty records at the head are consumed unseen. */
static int m_skip_empty(struct model *m)
{
	const struct stream *s = m->s;
	int n = 0;

	if (s->rx_header)
		return 0;
	while (m->cur < s->nrec && !s->recs[m->cur].vis) {
		m_consumed(m);
		m->x.rx_empty++;
		n++;
	}
	return n;
}

static void e_put(struct expect *e, const struct stream *s,
		  const struct rec *r, uint32_t off, size_t n, bool trunc)
{
	if (!trunc)
		memcpy(e->bytes + e->nbytes, s->vis.p + r->voff + off, n);
	e->nbytes += n;
}

/*
 * A read of at most @room bytes of record @r (@rlen bytes visible) at the
 * model's offset: the bytes are expected in @e and, unless MSG_PEEK, the
 * record is consumed. Returns how many; *eor says if they end the record.
 */
static size_t m_read(struct model *m, const struct rec *r, uint32_t rlen,
		     size_t room, int flags, struct expect *e, bool *eor)
{
	size_t n = rlen - m->off;

	if (n > room)
		n = room;
	e_put(e, m->s, r, m->off, n, flags & MSG_TRUNC);
	*eor = m->off + n == rlen;
	if (flags & MSG_PEEK)
		return n;
	m->off += n;
	m->x.rx_bytes += n;
	if (*eor) {
		m->x.rx_records++;
		m_consumed(m);
	}
	return n;
}

static void m_recv_framing(struct model *m, size_t len, int flags,
			   bool cmsg_room, struct expect *e)
{
	const struct stream *s = m->s;
	bool peek = flags & MSG_PEEK;
	bool waitall = (flags & MSG_WAITALL) && !peek;
	const struct rec *r;
	size_t copied = 0;
	bool eor = false;
	int type;

	e->eagain_ok = m_skip_empty(m) > 0;
	if (m->cur == s->nrec) {
		e->ret = m_term(m);
		return;
	}
	r = &s->recs[m->cur];
	type = r->type;
	for (;;) {
		copied += m_read(m, r, r->vis, len - copied, flags, e, &eor);
		if (peek)
			break;
		if (!waitall || !eor || copied == len)
			break;
		m_skip_empty(m);
		/*
		 * At the end of the stream, as TCP: a reset met by a call
		 * that has data is reported by the next call.
		 */
		if (m->cur == s->nrec)
			break;
		r = &s->recs[m->cur];
		if (r->type != type)
			break;
	}
	e->ret = copied;
	e->flags = eor ? MSG_EOR : 0;
	if (s->typed) {
		if (cmsg_room)
			e->type = type;
		else
			e->flags |= MSG_CTRUNC;
	}
}

/* TLS: decrypt the record at the head, into the user's buffer or not. */
static void m_decrypt(struct model *m, bool zc)
{
	const struct rec *r = &m->s->recs[m->cur];

	m->x.tls_rx_records++;
	if (zc)
		m->x.tls_rx_zerocopy++;
	else
		m->x.tls_rx_clear++;
	if (m->seq == ~0ULL)
		m->seq_exhausted = true;
	else
		m->seq++;
	if (r->ku && v13(m->s))
		m->ku_pending = true;
}

/*
 * What the kernel did, for the one choice the model cannot make: whether a
 * TLS read goes on through data records already complete (kTLS fills the
 * buffer with them; whether the next one is complete is up to timing).
 */
struct obs {
	ssize_t				n;	/* what the call returned */
	const struct recframe_info	*ki;	/* the counters after it */
};

/* Whether TLS decrypts record @r straight into a buffer of @room bytes. */
static bool m_zc(const struct stream *s, const struct rec *r, size_t room,
		 int flags, bool cmsg_room)
{
	if (flags & (MSG_PEEK | MSG_TRUNC))
		return false;
	/* TLS 1.3's content type does not go to the user's buffer. */
	if (room < r->inner - (v13(s) ? 1 : 0))
		return false;
	return v13(s) || r->type == TLS_DATA || cmsg_room;
}

/* TLS: an empty data record, just decrypted at the head, is skipped. */
static bool m_drop_empty(struct model *m, const struct rec *r)
{
	if (r->type != TLS_DATA || r->len)
		return false;
	m_consumed(m);
	m->x.rx_empty++;
	return true;
}

/*
 * The call stopped at a record boundary with room left: it may have
 * decrypted records it did not return (empty data records skipped, a
 * control record kept, a bad record found). The counters tell.
 */
static void m_touch_ahead(struct model *m, const struct obs *o, size_t room,
			  int flags, bool cmsg_room)
{
	const struct stream *s = m->s;

	while (m->x.tls_rx_records < o->ki->tls_rx_records &&
	       !m->ku_pending && m->cur < s->nrec) {
		const struct rec *r = &s->recs[m->cur];

		m_decrypt(m, m_zc(s, r, room, flags, cmsg_room) &&
			     r->type == TLS_DATA);
		if (m_drop_empty(m, r))
			continue;
		m->touched = true;
		m->off = 0;
		return;
	}
	if (m->cur == s->nrec && !m->ku_pending &&
	    (o->ki->tls_decrypt_errors > m->x.tls_decrypt_errors ||
	     (s->how == E_SEQ && (o->ki->state & RECFRAME_STATE_RX_ERROR))))
		m_term_touch(m);
}

static void m_recv_tls(struct model *m, size_t len, int flags,
		       bool cmsg_room, struct expect *e, const struct obs *o)
{
	const struct stream *s = m->s;
	bool peek = flags & MSG_PEEK;
	size_t target = flags & MSG_WAITALL ? len : 1;
	size_t copied = 0;
	const struct rec *r;
	int control = -1, err = 0, skipped = 0;
	bool eor = false;

	while (copied < len) {
		if (!m->touched) {
			bool zc, zc_kept;

			if (copied >= target) {
				/* On through data records already complete. */
				if (m->ku_pending || control != TLS_DATA || !o)
					break;
				if ((ssize_t)copied >= o->n) {
					m_touch_ahead(m, o, len - copied, flags,
						      cmsg_room);
					break;
				}
			}
			if (peek && copied)
				break;
			if (m->ku_pending) {
				err = -EKEYEXPIRED;
				break;
			}
			if (m->cur == s->nrec) {
				/* As kTLS: a reset is consumed here, unseen. */
				if (copied && s->term == T_RST)
					m->rst_done = true;
				if (copied)
					m_term_touch(m);
				else
					err = m_term(m);
				break;
			}
			r = &s->recs[m->cur];
			zc = m_zc(s, r, len - copied, flags, cmsg_room);
			/* A record this call cannot return goes to the clear. */
			zc_kept = zc && (r->type == TLS_DATA ||
					 (cmsg_room && !copied));
			m_decrypt(m, zc_kept);
			if (m_drop_empty(m, r)) {
				skipped++;
				continue;
			}
			if (zc_kept) {
				control = r->type;
				e_put(e, s, r, 0, r->len, false);
				copied += r->len;
				eor = true;
				m->x.rx_records++;
				m->x.rx_bytes += r->len;
				m_consumed(m);
				if (r->type != TLS_DATA)
					break;
				continue;
			}
			m->touched = true;
			m->off = 0;
		}
		r = &s->recs[m->cur];
		if (control < 0) {
			control = r->type;
			if (control != TLS_DATA && !cmsg_room) {
				err = -EIO;
				break;
			}
		} else if (control != r->type) {
			break;
		}
		copied += m_read(m, r, r->len, len - copied, flags, e, &eor);
		if (peek)
			break;
		if (!eor || control != TLS_DATA)
			break;
	}
	e->eagain_ok = skipped > 0;
	if (!copied) {
		e->ret = err;
		return;
	}
	e->ret = copied;
	e->flags = eor ? MSG_EOR : 0;
	if (cmsg_room)
		e->type = control;
	else
		e->flags |= MSG_CTRUNC;
}

/*
 * splice(): sets *max to the most the call may move (it may move less:
 * the pipe's slots), or returns the error or 0 it must report. The caller
 * then commits what moved with m_splice_commit().
 */
static int m_splice(struct model *m, size_t len, size_t *max, bool *eagain_ok)
{
	const struct stream *s = m->s;
	const struct rec *r;

	*max = 0;
	*eagain_ok = false;
	if (!s->tls) {
		*eagain_ok = m_skip_empty(m) > 0;
		if (m->cur == s->nrec)
			return m_term(m);
		r = &s->recs[m->cur];
		*max = r->vis - m->off < len ? r->vis - m->off : len;
		return 1;
	}
	while (!m->touched) {
		if (m->ku_pending)
			return -EKEYEXPIRED;
		if (m->cur == s->nrec)
			return m_term(m);
		m_decrypt(m, false);
		r = &s->recs[m->cur];
		if (m_drop_empty(m, r)) {
			*eagain_ok = true;
			continue;
		}
		m->touched = true;
		m->off = 0;
	}
	r = &s->recs[m->cur];
	if (r->type != TLS_DATA)
		return -EINVAL;
	*max = r->len - m->off < len ? r->len - m->off : len;
	return 1;
}

static void m_splice_commit(struct model *m, size_t n)
{
	const struct rec *r = &m->s->recs[m->cur];

	m->off += n;
	m->x.rx_bytes += n;
	if (m->off == r->vis) {
		m->x.rx_records++;
		m_consumed(m);
	}
}

/* ------------------------------------------------------------- reader --- */

struct fz_stats {
	uint64_t	iters, records, ops, bytes, rekeys, splices;
	uint64_t	terms[3], errs[3];	/* per term; T_ERR by E_* */
	uint64_t	seed_first, seed_last;
};

struct reader {
	struct stream	*s;
	struct model	m;
	int		fd;
	int		pipe[2];
	uint8_t		*buf, *exp;
	size_t		bufsize;
	struct rf_rng	r;
	struct fz_stats	*st;
	char		*err;
	size_t		errlen;
	char		last[200];	/* the call being checked */
	char		hist[8][200];	/* the calls before it */
	unsigned int	nhist;
};

/* Starts describing a new call; the previous one goes to the history. */
static char *rd_call(struct reader *rd)
{
	if (rd->last[0])
		memcpy(rd->hist[rd->nhist++ % 8], rd->last, sizeof(rd->last));
	return rd->last;
}

static int rfail(struct reader *rd, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	unsigned int i;

	n = 0;
	for (i = rd->nhist > 8 ? rd->nhist - 8 : 0; i < rd->nhist; i++)
		n += snprintf(rd->err + n, rd->errlen - n, "#   after %s\n",
			      rd->hist[i % 8]);
	n += snprintf(rd->err + n, rd->errlen - n, "# %s: ", rd->last);
	va_start(ap, fmt);
	vsnprintf(rd->err + n, rd->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The header-borne error may have been parsed already, or not yet. */
static bool m_err_window(const struct model *m)
{
	const struct stream *s = m->s;

	if (s->term != T_ERR || s->how != E_HDR || m->err_set)
		return false;
	return m->cur == s->nrec ||
	       (s->tls && m->cur == s->nrec - 1 && m->touched);
}

/* What the kernel says about the socket, for failure messages. */
static const char *info_str(int fd)
{
	static char b[400];
	struct recframe_info i;
	int inq = -1;

	rf_get_info(fd, &i);
	ioctl(fd, SIOCINQ, &inq);
	snprintf(b, sizeof(b),
		 "[kernel: state %#x rx_error %d rx_records %llu rx_bytes %llu rx_empty %llu rx_queued %llu copy_fallback %llu err msgsize %llu badmsg %llu badversion %llu truncated %llu tls_rx %llu decrypt_err %llu zc %llu clear %llu; SIOCINQ %d]",
		 i.state, i.rx_error, (unsigned long long)i.rx_records,
		 (unsigned long long)i.rx_bytes,
		 (unsigned long long)i.rx_empty,
		 (unsigned long long)i.rx_queued,
		 (unsigned long long)i.rx_copy_fallback,
		 (unsigned long long)i.err_msgsize,
		 (unsigned long long)i.err_badmsg,
		 (unsigned long long)i.err_badversion,
		 (unsigned long long)i.err_truncated,
		 (unsigned long long)i.tls_rx_records,
		 (unsigned long long)i.tls_decrypt_errors,
		 (unsigned long long)i.tls_rx_zerocopy,
		 (unsigned long long)i.tls_rx_clear, inq);
	return b;
}

#define CHECK_FIELD(f) do { \
	if (got.f != want->f) \
		return rfail(rd, "RECFRAME_INFO." #f " is %lld, expected %lld %s", \
			     (long long)got.f, (long long)want->f, \
			     info_str(rd->fd)); \
} while (0)

static int check_info(struct reader *rd)
{
	const struct model *m = &rd->m;
	struct recframe_info got, alt, *want = (struct recframe_info *)&m->x;
	socklen_t len = sizeof(got);

	memset(&got, 0xa5, sizeof(got));
	if (getsockopt(rd->fd, SOL_RECFRAME, RECFRAME_INFO, &got, &len))
		return rfail(rd, "RECFRAME_INFO: %s", strerror(errno));
	if (len != sizeof(got))
		return rfail(rd, "RECFRAME_INFO optlen %u", len);
	if (m_err_window(m)) {
		/* Accept the state after the parser has seen the header too. */
		struct model tmp = *m;

		m_set_err(&tmp, m->s->err, E_HDR);
		alt = tmp.x;
		if (got.err_msgsize == alt.err_msgsize &&
		    got.err_badmsg == alt.err_badmsg &&
		    got.err_badversion == alt.err_badversion &&
		    got.err_truncated == alt.err_truncated)
			want = &alt;
	}
	CHECK_FIELD(rx_records);
	CHECK_FIELD(rx_bytes);
	CHECK_FIELD(rx_empty);
	CHECK_FIELD(err_msgsize);
	CHECK_FIELD(err_badmsg);
	CHECK_FIELD(err_badversion);
	CHECK_FIELD(err_truncated);
	CHECK_FIELD(rx_error);
	if ((got.state & RECFRAME_STATE_RX_ERROR) !=
	    (want->state & RECFRAME_STATE_RX_ERROR))
		return rfail(rd, "RECFRAME_INFO.state %#x, expected RX_ERROR %s",
			     got.state,
			     want->state & RECFRAME_STATE_RX_ERROR ? "set" :
								     "clear");
	if (got.state & RECFRAME_STATE_TX_OPEN)
		return rfail(rd, "RECFRAME_INFO.state %#x: TX_OPEN", got.state);
	CHECK_FIELD(tx_records);
	CHECK_FIELD(tx_bytes);
	CHECK_FIELD(mode);
	CHECK_FIELD(tls_version);
	CHECK_FIELD(tls_cipher);
	CHECK_FIELD(tls_rx_records);
	CHECK_FIELD(tls_decrypt_errors);
	CHECK_FIELD(tls_rekeys);
	CHECK_FIELD(tls_rx_zerocopy);
	CHECK_FIELD(tls_rx_clear);
	CHECK_FIELD(tls_tx_records);
	/* TLS: what the decrypted record still holds. */
	if (m->s->tls && got.rx_queued !=
	    (m->touched ? m->s->recs[m->cur].len - m->off : 0))
		return rfail(rd, "RECFRAME_INFO.rx_queued is %llu, expected %u",
			     (unsigned long long)got.rx_queued,
			     m->touched ? m->s->recs[m->cur].len - m->off : 0);
	return 0;
}

static int check_tls_rx(struct reader *rd)
{
	const struct model *m = &rd->m;
	uint8_t want[64], got[64];
	socklen_t len;
	size_t n, key_off;

	n = tls_info(rd->s, m->epoch, m->seq, want);
	len = n;
	if (getsockopt(rd->fd, SOL_TLS, TLS_RX, got, &len))
		return rfail(rd, "getsockopt TLS_RX: %s", strerror(errno));
	if (len != n)
		return rfail(rd, "getsockopt TLS_RX: optlen %u, expected %zu",
			     len, n);
	/* version, cipher; key and salt; rec_seq. The iv is not checked. */
	key_off = 4 + rd->s->c->ivlen;
	if (memcmp(got, want, 4) ||
	    memcmp(got + key_off, want + key_off, n - key_off - 8))
		return rfail(rd, "getsockopt TLS_RX: wrong key material");
	if (memcmp(got + n - 8, want + n - 8, 8)) {
		uint64_t seq = 0;
		int i;

		for (i = 0; i < 8; i++)
			seq = seq << 8 | got[n - 8 + i];
		return rfail(rd, "getsockopt TLS_RX: rec_seq %#llx, expected %#llx",
			     (unsigned long long)seq,
			     (unsigned long long)m->seq);
	}
	return 0;
}

static size_t pick_size(struct reader *rd)
{
	const struct stream *s = rd->s;
	size_t span = s->tls ? TLS_MAX_PLAIN :
		      s->fr.max_record + (s->rx_header ? s->hlen : 0);
	struct rf_rng *r = &rd->r;

	if (span < 1)
		span = 1;
	switch (rf_rnd(r) % 10) {
	case 0:
		return rf_rrange(r, 1, 16);
	case 1:
	case 2:
	case 3:
		return rf_rrange(r, 1, 1024);
	case 4:
	case 5:
		return rf_rrange(r, span, 2 * span);
	default:
		return rf_rrange(r, 1, span);
	}
}

static ssize_t do_recvmsg(int fd, uint8_t *buf, size_t len, int flags,
			  bool cmsg_room, int *mflags, int *type)
{
	union {
		char buf[CMSG_SPACE(1) + 32];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (cmsg_room) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
	}
	n = recvmsg(fd, &msg, flags);
	*mflags = msg.msg_flags;
	*type = -1;
	if (n < 0 || !cmsg_room)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if ((cmsg->cmsg_level == SOL_RECFRAME &&
		     cmsg->cmsg_type == RECFRAME_RECORD_TYPE) ||
		    (cmsg->cmsg_level == SOL_TLS &&
		     cmsg->cmsg_type == TLS_GET_RECORD_TYPE))
			*type = *CMSG_DATA(cmsg);
	return n;
}

static const char *flag_names(int flags)
{
	static char b[64];

	snprintf(b, sizeof(b), "%s%s%s%s%s",
		 flags & MSG_PEEK ? "|PEEK" : "",
		 flags & MSG_WAITALL ? "|WAITALL" : "",
		 flags & MSG_TRUNC ? "|TRUNC" : "",
		 flags & MSG_DONTWAIT ? "|DONTWAIT" : "",
		 flags ? "" : "|0");
	return b + 1;
}

static int check_poll(struct reader *rd)
{
	struct pollfd pfd = { .fd = rd->fd, .events = POLLIN };
	int n = poll(&pfd, 1, FZ_TIMEOUT_MS);

	if (n != 1)
		return rfail(rd, "poll: %s after %d ms at record %d of %d",
			     n < 0 ? strerror(errno) : "nothing",
			     FZ_TIMEOUT_MS, rd->m.cur, rd->s->nrec);
	return 0;
}

static int op_recv(struct reader *rd, int flags, bool cmsg_room)
{
	struct model *m = &rd->m;
	size_t len = pick_size(rd);
	size_t align = rf_rnd(&rd->r) % 64;
	uint8_t *buf = rd->buf + align;
	struct expect e = { .type = -1, .bytes = rd->exp };
	int mflags, type, tries = 0, saved_errno;
	bool dontwait = flags & MSG_DONTWAIT;
	bool ku_wait = m->ku_pending && !m->touched;
	ssize_t n;

	snprintf(rd_call(rd), sizeof(rd->last),
		 "recvmsg(%zu, %s%s) at record %d/%d offset %u",
		 len, flag_names(flags), cmsg_room ? "" : ", no cmsg room",
		 m->cur, rd->s->nrec, m->off);
	/* A first look, for what DONTWAIT may do; the model runs after. */
	{
		struct model scratch = *m;

		fz_scratch = true;
		if (rd->s->tls)
			m_recv_tls(&scratch, len, flags, cmsg_room, &e, NULL);
		else
			m_recv_framing(&scratch, len, flags, cmsg_room, &e);
		fz_scratch = false;
	}

	if (flags & MSG_TRUNC)
		memset(buf, 0x5a, len < 64 ? len : 64);
	for (;;) {
		/* After a KeyUpdate poll says nothing: read straight away. */
		if (dontwait && !ku_wait && check_poll(rd))
			return -1;
		n = do_recvmsg(rd->fd, buf, len, flags, cmsg_room, &mflags,
			       &type);
		if (n < 0 && errno == EAGAIN && dontwait && e.eagain_ok &&
		    ++tries < 1000)
			continue;
		break;
	}
	rd->st->ops++;
	saved_errno = errno;
	e = (struct expect){ .type = -1, .bytes = rd->exp,
			     .eagain_ok = e.eagain_ok };
	if (rd->s->tls) {
		struct recframe_info ki;
		struct obs o = { n < 0 ? -saved_errno : n, &ki };

		rf_get_info(rd->fd, &ki);
		m_recv_tls(m, len, flags, cmsg_room, &e, &o);
	} else {
		m_recv_framing(m, len, flags, cmsg_room, &e);
	}
	errno = saved_errno;
	{
		size_t l = strlen(rd->last);

		snprintf(rd->last + l, sizeof(rd->last) - l, " -> %zd%s%s", n,
			 n < 0 ? " " : "", n < 0 ? strerror(errno) : "");
	}
	if (n < 0 && errno == EAGAIN && !dontwait)
		return rfail(rd, "timed out after %d ms (hang?), expected %zd %s",
			     FZ_TIMEOUT_MS, e.ret, info_str(rd->fd));
	if (n < 0) {
		if (e.ret >= 0 || -errno != e.ret)
			return rfail(rd, "%s, expected %zd (%s)",
				     strerror(errno), e.ret,
				     e.ret < 0 ? strerror(-e.ret) : "bytes");
	} else {
		if (n != e.ret)
			return rfail(rd, "returned %zd, expected %zd%s%s", n,
				     e.ret, e.ret < 0 ? " " : "",
				     e.ret < 0 ? strerror(-e.ret) : "");
		if (!(flags & MSG_TRUNC) && memcmp(buf, e.bytes, n)) {
			size_t k = 0;

			while (buf[k] == e.bytes[k])
				k++;
			return rfail(rd, "byte %zu of %zd is %#x, expected %#x",
				     k, n, buf[k], e.bytes[k]);
		}
		if ((flags & MSG_TRUNC) && n && !(flags & MSG_PEEK)) {
			size_t k;

			for (k = 0; k < (len < 64 ? len : 64); k++)
				if (buf[k] != 0x5a)
					return rfail(rd, "MSG_TRUNC wrote into the buffer");
		}
		if (n && (mflags & (MSG_EOR | MSG_CTRUNC)) != e.flags)
			return rfail(rd, "msg_flags %#x, expected EOR %d CTRUNC %d",
				     mflags, !!(e.flags & MSG_EOR),
				     !!(e.flags & MSG_CTRUNC));
		if (n && type != e.type)
			return rfail(rd, "record type cmsg %d, expected %d",
				     type, e.type);
		rd->st->bytes += n;
	}
	return check_info(rd);
}

static int op_splice(struct reader *rd)
{
	struct model *m = &rd->m;
	size_t len = rf_rrange(&rd->r, 1, 65536), max, got = 0;
	int want, tries = 0;
	bool eagain_ok, nonblock = rf_chance(&rd->r, 30);
	ssize_t n;

	snprintf(rd_call(rd), sizeof(rd->last),
		 "splice(%zu%s) at record %d/%d offset %u", len,
		 nonblock ? ", NONBLOCK" : "", m->cur, rd->s->nrec, m->off);
	if (nonblock && m->ku_pending && !m->touched)
		nonblock = false;
	want = m_splice(m, len, &max, &eagain_ok);
	for (;;) {
		if (nonblock && check_poll(rd))
			return -1;
		n = splice(rd->fd, NULL, rd->pipe[1], NULL, len,
			   nonblock ? SPLICE_F_NONBLOCK : 0);
		if (n < 0 && errno == EAGAIN && nonblock && eagain_ok &&
		    ++tries < 1000)
			continue;
		break;
	}
	rd->st->ops++;
	rd->st->splices++;
	if (n < 0) {
		if (errno == EAGAIN && !nonblock)
			return rfail(rd, "timed out (hang?)");
		if (want > 0 || -errno != want)
			return rfail(rd, "%s, expected %d (%s)", strerror(errno),
				     want, want < 0 ? strerror(-want) : "bytes");
		return check_info(rd);
	}
	if (want <= 0 ? n != 0 || want : (!n || (size_t)n > max))
		return rfail(rd, "moved %zd, expected %s%zu%s%s", n,
			     want > 0 ? "1 to " : "", max,
			     want < 0 ? ", " : "",
			     want < 0 ? strerror(-want) : "");
	while (got < (size_t)n) {
		ssize_t k = read(rd->pipe[0], rd->buf + got, n - got);

		if (k <= 0)
			return rfail(rd, "pipe read: %s", strerror(errno));
		got += k;
	}
	if (n && memcmp(rd->buf, rd->s->vis.p +
			rd->s->recs[m->cur].voff + m->off, n))
		return rfail(rd, "spliced bytes differ");
	if (n)
		m_splice_commit(m, n);
	rd->st->bytes += n;
	return check_info(rd);
}

static int op_rekey(struct reader *rd)
{
	struct model *m = &rd->m;
	uint8_t info[64];
	size_t n;

	snprintf(rd_call(rd), sizeof(rd->last), "TLS_RX rekey to epoch %d",
		 m->epoch + 1);
	if (m->epoch + 1 >= rd->s->epochs)
		return rfail(rd, "no key left (generator bug)");
	/* Nothing readable until then, whatever has arrived. */
	{
		int type, mflags;
		ssize_t r = do_recvmsg(rd->fd, rd->buf, 100, MSG_DONTWAIT,
				       true, &mflags, &type);

		if (r != -1 || errno != EKEYEXPIRED)
			return rfail(rd, "read before the new key: %zd (%s), expected EKEYEXPIRED",
				     r, r < 0 ? strerror(errno) : "bytes");
	}
	n = tls_info(rd->s, m->epoch + 1, 0, info);
	if (setsockopt(rd->fd, SOL_TLS, TLS_RX, info, n))
		return rfail(rd, "%s", strerror(errno));
	m->epoch++;
	m->seq = 0;
	m->ku_pending = false;
	m->x.tls_rekeys++;
	rd->st->rekeys++;
	return check_info(rd);
}

static int final_checks(struct reader *rd)
{
	const struct stream *s = rd->s;
	struct pollfd pfd = { .fd = rd->fd, .events = POLLIN };
	int want;

	snprintf(rd_call(rd), sizeof(rd->last), "poll at the end (%s)",
		 term_names[s->term]);
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
		return rfail(rd, "revents %#x, expected POLLIN", pfd.revents);
	want = s->term == T_ERR ? POLLERR : 0;
	if ((pfd.revents & POLLERR) != want)
		return rfail(rd, "revents %#x, POLLERR expected %s",
			     pfd.revents, want ? "set" : "clear");
	if (check_info(rd))
		return -1;
	return s->tls ? check_tls_rx(rd) : 0;
}

static int read_stream(struct reader *rd)
{
	struct model *m = &rd->m;
	const struct stream *s = rd->s;
	int ops = 0, err = 0;

	while (!err) {
		unsigned int pick;

		if (m->reported && ++m->post > 3)
			break;
		if (++ops > FZ_MAX_OPS)
			return rfail(rd, "no end after %d calls", FZ_MAX_OPS);
		if (s->tls && m->ku_pending && !m->touched &&
		    rf_chance(&rd->r, 60)) {
			err = op_rekey(rd);
			continue;
		}
		pick = rf_rnd(&rd->r) % 100;
		if (pick < 28)
			err = op_recv(rd, 0, true);
		else if (pick < 38)
			err = op_recv(rd, MSG_PEEK, true);
		else if (pick < 52)
			err = op_recv(rd, MSG_WAITALL, true);
		else if (pick < 58)
			err = op_recv(rd, MSG_TRUNC |
				      (rf_chance(&rd->r, 50) ? MSG_WAITALL : 0),
				      true);
		else if (pick < 73)
			err = op_recv(rd, MSG_DONTWAIT, true);
		else if (pick < 82)
			err = op_recv(rd, rf_chance(&rd->r, 50) ? MSG_PEEK : 0,
				      false);
		else if (pick < 86)
			err = op_splice(rd);
		else if (pick < 92 && s->tls) {
			snprintf(rd_call(rd), sizeof(rd->last), "getsockopt TLS_RX");
			err = check_tls_rx(rd);
		} else {
			snprintf(rd_call(rd), sizeof(rd->last), "RECFRAME_INFO");
			err = check_info(rd);
		}
	}
	return err ? err : final_checks(rd);
}

/* Sets up the receiver: the prefix read through TCP, then the mode. */
static int setup_receiver(struct reader *rd, struct sender *snd)
{
	const struct stream *s = rd->s;
	uint8_t info[64], pfx[512];
	int inq = 0;
	double end;
	size_t n;

	snprintf(rd_call(rd), sizeof(rd->last), "setup");
	if (s->rcvbuf && setsockopt(rd->fd, SOL_SOCKET, SO_RCVBUF, &s->rcvbuf,
				    sizeof(s->rcvbuf)))
		return rfail(rd, "SO_RCVBUF: %s", strerror(errno));
	if (rf_set_timeo(rd->fd, SO_RCVTIMEO, FZ_TIMEOUT_MS) ||
	    rf_set_int(snd->fd, SOL_TCP, TCP_NODELAY, 1) ||
	    rf_set_timeo(snd->fd, SO_SNDTIMEO, 3 * FZ_TIMEOUT_MS))
		return rfail(rd, "socket options: %s", strerror(errno));
	if (s->attach_first && rf_attach(rd->fd))
		return rfail(rd, "attach: %s", strerror(errno));
	if (s->prefix) {
		if (rf_read_full(rd->fd, pfx, s->prefix) != s->prefix ||
		    memcmp(pfx, s->wire.p, s->prefix))
			return rfail(rd, "the plain prefix did not read back");
	}
	/* Let what the sender writes first arrive before the mode is set. */
	end = rf_now_s() + 0.5;
	while (s->pre > s->prefix && rf_now_s() < end &&
	       !ioctl(rd->fd, SIOCINQ, &inq) &&
	       (size_t)inq < s->pre - s->prefix)
		usleep(200);
	if (!s->attach_first && rf_attach(rd->fd))
		return rfail(rd, "attach: %s", strerror(errno));
	if (s->tls) {
		n = tls_info(s, 0, s->seq0, info);
		if (setsockopt(rd->fd, SOL_TLS, TLS_RX, info, n))
			return rfail(rd, "TLS_RX: %s", strerror(errno));
	} else {
		if (rf_set_framing(rd->fd, &s->fr))
			return rfail(rd, "RECFRAME_FRAMING: %s",
				     strerror(errno));
		if (s->rx_header &&
		    rf_set_int(rd->fd, SOL_RECFRAME, RECFRAME_RX_HEADER, 1))
			return rfail(rd, "RECFRAME_RX_HEADER: %s",
				     strerror(errno));
	}
	atomic_store(&snd->go, 1);
	return check_info(rd);
}

static int run_one(uint64_t seed, bool tls, struct fz_stats *st, char *err,
		   size_t errlen)
{
	struct stream s;
	struct sender snd = { 0 };
	struct reader rd = { 0 };
	int fds[2], ret;
	size_t span;

	gen_stream(&s, seed, tls);
	if (rf_tcp_pair(AF_INET, fds)) {
		snprintf(err, errlen, "TCP pair: %s", strerror(errno));
		stream_free(&s);
		return -1;
	}
	span = (s.tls ? TLS_MAX_PLAIN + 256 : s.fr.max_record + s.hlen) * 2;
	rd.s = &s;
	rd.fd = fds[1];
	rd.bufsize = span + 2048;	/* pick_size() goes to 1024 anyway */
	rd.buf = malloc(rd.bufsize);
	rd.exp = malloc(rd.bufsize);
	rd.r.s = rf_mix64(seed ^ 0x72656164);
	rd.st = st;
	rd.err = err;
	rd.errlen = errlen;
	m_init(&rd.m, &s);
	if (!rd.buf || !rd.exp || pipe(rd.pipe))
		abort();

	snd.s = &s;
	snd.fd = fds[0];
	if (pthread_create(&snd.thread, NULL, sender_fn, &snd))
		abort();
	ret = setup_receiver(&rd, &snd);
	if (!ret)
		ret = read_stream(&rd);
	if (ret)
		atomic_store(&snd.go, 1);
	atomic_store(&snd.done, 1);
	close(rd.fd);
	pthread_join(snd.thread, NULL);
	if (snd.fd >= 0)
		close(snd.fd);
	if (!ret && snd.err[0]) {
		snprintf(err, errlen, "sender: %s", snd.err);
		ret = -1;
	}
	if (ret) {
		size_t n = strlen(err);

		n += snprintf(err + n, errlen - n, "\n# stream: %s; records from %d:",
			      s.desc, rd.m.cur > 3 ? rd.m.cur - 3 : 0);
		for (int k = rd.m.cur > 3 ? rd.m.cur - 3 : 0;
		     k < s.nrec && k < rd.m.cur + 3 && n < errlen; k++)
			n += snprintf(err + n, errlen - n, " [%d] type %u len %u%s",
				      k, s.recs[k].type, s.recs[k].len,
				      s.recs[k].ku ? " ku" : "");
	} else {
		st->records += rd.m.checked + 1;
		st->terms[s.term]++;
		if (s.term == T_ERR)
			st->errs[s.how]++;
	}
	close(rd.pipe[0]);
	close(rd.pipe[1]);
	free(rd.buf);
	free(rd.exp);
	stream_free(&s);
	return ret;
}

static double fz_seconds(void)
{
	return rf_env_u64("RF_FUZZ_SECONDS", FZ_DEFAULT_SECONDS) / 2.0;
}

static void fuzz(struct __test_metadata *_metadata, bool tls)
{
	uint64_t base = rf_env_u64("RF_SEED", FZ_DEFAULT_SEED) +
			(tls ? 1ULL << 32 : 0);
	uint64_t max_iters = rf_env_u64("RF_ITERS", 0), i;
	bool same = rf_env_u64("RF_SAME", 0);	/* one seed, again and again */
	double start = rf_now_s(), end = start + fz_seconds();
	struct fz_stats st = { 0 };
	char err[4096];

	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	signal(SIGPIPE, SIG_IGN);
	st.seed_first = base;
	for (i = 0; (!max_iters || i < max_iters) &&
	     (i == 0 || rf_now_s() < end); i++) {
		uint64_t seed = base + (same ? 0 : i);

		err[0] = '\0';
		st.seed_last = seed;
		if (run_one(seed, tls, &st, err, sizeof(err))) {
			TH_LOG("seed %#llx:\n%s", (unsigned long long)seed, err);
			TH_LOG("reproduce: RF_SEED=%#llx RF_ITERS=1 %s",
			       (unsigned long long)(seed - (tls ? 1ULL << 32 : 0)),
			       "/tests/stream_fuzz");
			ASSERT_TRUE(false);
		}
		st.iters++;
	}
	ksft_print_msg("stream_fuzz %s: %llu iterations, seeds %#llx..%#llx, %llu records checked, %llu calls (%llu splices, %llu rekeys), %llu bytes read, ends: %llu eof %llu rst %llu error (%llu header, %llu decrypt, %llu sequence), %.1f s\n",
		       tls ? "tls" : "framing",
		       (unsigned long long)st.iters,
		       (unsigned long long)st.seed_first,
		       (unsigned long long)st.seed_last,
		       (unsigned long long)st.records,
		       (unsigned long long)st.ops,
		       (unsigned long long)st.splices,
		       (unsigned long long)st.rekeys,
		       (unsigned long long)st.bytes,
		       (unsigned long long)st.terms[T_EOF],
		       (unsigned long long)st.terms[T_RST],
		       (unsigned long long)st.terms[T_ERR],
		       (unsigned long long)st.errs[E_HDR],
		       (unsigned long long)st.errs[E_DECRYPT],
		       (unsigned long long)st.errs[E_SEQ], rf_now_s() - start);
	fflush(stdout);
}

TEST(framing)
{
	fuzz(_metadata, false);
}

TEST(tls)
{
	fuzz(_metadata, true);
}

int main(int argc, char **argv)
{
	/* The harness's timeout follows the time budget. */
	unsigned int t = fz_seconds() + 300;

	_framing_object.timeout = t;
	_tls_object.timeout = t;
	return test_harness_run(argc, argv);
}
