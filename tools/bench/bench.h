/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recframe-bench: shared declarations.
 */
#ifndef RF_BENCH_H
#define RF_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

/* Largest TLS record plaintext. */
#define TLS_MAX_PLAIN	16384
/* Every result line starts with this, so the host can pick them out. */
#define OUT_PREFIX	"RFB,"

/* One protocol version and cipher: what TLS_TX/TLS_RX get. */
struct suite {
	const char	*name;		/* short name used in results */
	const char	*label;		/* for people */
	uint16_t	version;	/* TLS_1_2_VERSION / TLS_1_3_VERSION */
	uint16_t	cipher;		/* TLS_CIPHER_* */
	unsigned int	key_len;
	unsigned int	iv_len;		/* crypto_info iv[] */
	unsigned int	salt_len;	/* crypto_info salt[] */
	unsigned int	info_size;	/* sizeof the crypto_info struct */
	/* TLS 1.2 AES-GCM sends an explicit 8-byte nonce per record. */
	unsigned int	explicit_iv;
	const EVP_CIPHER *(*evp)(void);
};

extern const struct suite suites[];
extern const unsigned int nr_suites;

/* Key material: one fixed set, shared by both ends of every connection. */
struct keys {
	uint8_t key[32];
	uint8_t iv[12];
	uint8_t salt[4];
	uint8_t rec_seq[8];
};

/* Userspace record protection (OpenSSL EVP), one direction. */
struct rec_ctx {
	const struct suite *s;
	EVP_CIPHER_CTX	*evp;
	uint8_t		static_iv[12];	/* salt||iv (GCM) or iv (ChaCha) */
	uint8_t		explicit0[8];	/* TLS 1.2 GCM: first explicit nonce */
	uint64_t	seq;
	int		enc;
};

int rec_init(struct rec_ctx *c, const struct suite *s, const struct keys *k,
	     int enc);
void rec_free(struct rec_ctx *c);
/* Bytes a record of @len plaintext bytes takes on the wire. */
size_t rec_wire_len(const struct suite *s, size_t len);
/* Seal one record of @type into @out; returns its wire length. */
size_t rec_seal(struct rec_ctx *c, uint8_t type, const uint8_t *pt,
		size_t len, uint8_t *out);
/*
 * Open the whole record at @in (wire length @wire) into @out. Returns the
 * content length and sets *type, or -1 on a bad record.
 */
long rec_open(struct rec_ctx *c, const uint8_t *in, size_t wire,
	      uint8_t *out, uint8_t *type);

/* The crypto_info struct for setsockopt(SOL_TLS, TLS_TX/TLS_RX). */
void tls_info_build(const struct suite *s, const struct keys *k, void *buf);

/* Kernel-side helpers (ksys.c). */
struct meminfo {
	long long memfree_kb;
	long long slab_kb;
	long long sunreclaim_kb;
	long long percpu_kb;
};

struct slabsnap {
	unsigned int	n;
	struct {
		char		name[40];
		long long	bytes;
	} *c;
};

int meminfo_read(struct meminfo *m);
int slab_snap(struct slabsnap *s);
void slab_diff_print(const char *impl, const struct slabsnap *a,
		     const struct slabsnap *b, long n);
void slab_free(struct slabsnap *s);

/* TCP's counters (/proc/net/netstat, /proc/net/snmp). */
#define NETSTAT_MAX 512
struct netstat {
	unsigned int	n;
	char		name[NETSTAT_MAX][48];
	long long	val[NETSTAT_MAX];
};

int netstat_snap(struct netstat *ns);
void netstat_diff(const struct netstat *a, const struct netstat *b,
		  char *buf, size_t len);

/* tracefs kmem events, counted with hist triggers. */
#define ALLOC_EVENTS_MAX 6
struct alloc_count {
	unsigned int	nr;
	const char	*event[ALLOC_EVENTS_MAX];
	long long	hits[ALLOC_EVENTS_MAX];	/* all */
	long long	layer[ALLOC_EVENTS_MAX];	/* by recframe or kTLS */
	long long	frag[ALLOC_EVENTS_MAX];		/* page frag refills */
	long long	tracing[ALLOC_EVENTS_MAX];	/* the triggers' own */
	long long	dropped[ALLOC_EVENTS_MAX];
};

int alloc_probe(void);
int alloc_start(void);
/* Read and remove the triggers; print call sites above @site_min hits. */
int alloc_stop(struct alloc_count *ac, const char *tag, long long site_min);

/* function_graph timing of the calls under @funcs. */
int prof_start(const char *funcs, int depth);
void prof_stop(const char *tag);

/* tcrypt: the kernel's own AEAD speed; prints crypto result lines. */
void tcrypt_run(int mode, int secs);

void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double now_s(void);

#endif
