// SPDX-License-Identifier: GPL-2.0
/*
 * TLS mode: kTLS's uapi (SOL_TLS, TLS_TX, TLS_RX, the tls12_crypto_info
 * structs, record type cmsgs) on recframe's record machinery.
 *
 * Transmit: the framer builds records as page fragments (tx.c). A record of
 * our own pages (sendmsg) is encrypted in place, so the plaintext copied
 * from the user becomes the ciphertext TCP sends. A record referencing
 * someone else's pages (sendfile) is encrypted out of place, from those
 * pages straight into fresh fragments. Either way the AEAD request,
 * nonce, additional data and scatterlists are the socket's and reused.
 *
 * Receive: a record is decrypted once it is whole in the receive queue,
 * from TCP's skbs, either straight into the user's buffer (pinned for the
 * call) when it can hold the whole plaintext, or into the socket's clear
 * skb, from which partial reads, peeks and splice are served. TCP's skbs
 * are never written: on loopback they share pages with the sender's
 * retransmit queue.
 */

#include <linux/highmem.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "recframe.h"
#include "rf_trace.h"

/* Largest crypto_info: 4 + iv 12 + key 32 + rec_seq 8 (ChaCha20). */
#define RF_TLS_INFO_MAX		60
/* Scatterlist entries a record may span in the receive queue. */
#define RF_TLS_RX_SG		48
/*
 * Where a record is decrypted to: the additional data, then the pinned user
 * pages and TLS 1.3's content type byte, or the clear skb's pages.
 */
#define RF_TLS_RX_DST_SG	(RF_TLS_PIN_MAX + 3)
/* Plaintext room of the clear skb: payload, content type, padding. */
#define RF_TLS_CLEAR_MAX	(RF_TLS_MAX_PLAIN + 1)
/*
 * Records decrypted straight into user buffers after which the clear skb,
 * unused all that time, is given back: a socket that needed it once (a
 * peek, a control record) returns to its idle size, while a reader that
 * keeps needing it keeps it instead of allocating it per record.
 */
#define RF_TLS_CLEAR_IDLE	64

static bool rf_tls13(const struct rf_tls *t)
{
	return t->p.version == TLS_1_3_VERSION;
}

/* ------------------------------------------------------------------ */
/* Transmit                                                           */
/* ------------------------------------------------------------------ */

/*
 * Encrypt the open record: the prepend (header, explicit nonce) is
 * frags[0], the payload frags[1..], the reserved tail (content type, tag)
 * tls->tail, which joins the fragments afterwards.
 */
int rf_tls_seal(struct sock *sk, struct rf_sock *rf)
{
	struct rf_tls *t = rf->tls;
	const struct rf_tls_params *p = &t->p;
	struct rf_crypto *c = &t->tx;
	struct rf_tx_ctx *tx = &rf->tx;
	struct rf_frag *pre = &tx->frags[0];
	u8 *hdr = page_address(pre->page) + pre->off;
	struct rf_frag *tl = &t->tail;
	u8 *tail = page_address(tl->page) + tl->off;
	u32 plain = tx->payload_len + (rf_tls13(t) ? 1 : 0);
	struct scatterlist *src = c->sg_src, *dst = c->sg_dst;
	u32 aad_len, i, n, ncf = 0;
	int err;

	if (c->keys.seq_exhausted)
		return -EBADMSG;

	rf_tls_hdr_build(p, hdr, tx->type, tx->payload_len);
	if (p->explicit_iv)
		rf_tls_explicit_iv(p, &c->keys, hdr + RF_TLS_HDR);
	rf_tls_nonce(p, &c->keys, hdr + RF_TLS_HDR, c->nonce);
	aad_len = rf_tls_aad(p, &c->keys, hdr, tx->type, tx->payload_len,
			     c->aad);
	if (rf_tls13(t))
		tail[0] = tx->type;

	n = 0;
	sg_init_table(src, tx->nr_frags + 2);
	sg_set_buf(&src[n++], c->aad, aad_len);
	for (i = 1; i < tx->nr_frags; i++)
		sg_set_page(&src[n++], tx->frags[i].page, tx->frags[i].len,
			    tx->frags[i].off);

	if (!tx->foreign) {
		/* Our own pages: the plaintext becomes the ciphertext. */
		sg_set_page(&src[n++], tl->page, tl->len, tl->off);
		sg_mark_end(&src[n - 1]);
		err = rf_crypto_run(c, true, src, src, aad_len, plain);
		if (err)
			return err;
		rf->stats.tls_tx_inplace++;
		rf_stat_inc(sk, RF_STAT_TLS_TX_INPLACE);
	} else {
		u32 want = tx->payload_len, got, off;

		/* TLS 1.3's content type is read from the tail, in its own entry. */
		if (rf_tls13(t))
			sg_set_page(&src[n++], tl->page, 1, tl->off);
		sg_mark_end(&src[n - 1]);

		/* Someone else's pages: encrypt into fresh fragments. */
		sg_init_table(dst, c->dst_max);
		sg_set_buf(&dst[0], c->aad, aad_len);
		while (want) {
			struct page *page = rf_tx_carve(sk, rf, want, &off,
							&got);

			if (!page || ncf + 1 >= t->cfrags_max) {
				if (page)
					put_page(page);
				err = -ENOMEM;
				goto err_put_cfrags;
			}
			t->cfrags[ncf++] = (struct rf_frag){ page, off, got };
			sg_set_page(&dst[ncf], page, got, off);
			want -= got;
		}
		/*
		 * The tail's first byte holds the plaintext content type, read
		 * above; its ciphertext and the tag go to a fresh tail.
		 */
		if (rf_tls13(t)) {
			struct rf_frag ct;
			u32 coff, cgot;
			struct page *cp;

			cp = rf_tx_carve(sk, rf, rf_tls_tail(p), &coff, &cgot);
			if (!cp || cgot != rf_tls_tail(p)) {
				if (cp)
					put_page(cp);
				err = -ENOMEM;
				goto err_put_cfrags;
			}
			ct = (struct rf_frag){ cp, coff, cgot };
			sg_set_page(&dst[ncf + 1], cp, cgot, coff);
			sg_mark_end(&dst[ncf + 1]);
			err = rf_crypto_run(c, true, src, dst, aad_len, plain);
			if (err) {
				put_page(cp);
				goto err_put_cfrags;
			}
			put_page(tl->page);
			*tl = ct;
		} else {
			sg_set_page(&dst[ncf + 1], tl->page, tl->len, tl->off);
			sg_mark_end(&dst[ncf + 1]);
			err = rf_crypto_run(c, true, src, dst, aad_len, plain);
			if (err)
				goto err_put_cfrags;
		}
		/* The file's pages are done with: the record is ciphertext now. */
		for (i = 1; i < tx->nr_frags; i++)
			put_page(tx->frags[i].page);
		for (i = 0; i < ncf; i++)
			tx->frags[1 + i] = t->cfrags[i];
		tx->nr_frags = 1 + ncf;
		rf->stats.tls_tx_oop++;
		rf_stat_inc(sk, RF_STAT_TLS_TX_OOP);
	}

	/* The reserved tail joins the record after the payload. */
	tx->frags[tx->nr_frags++] = *tl;
	*tl = (struct rf_frag){ NULL, 0, 0 };
	rf_tls_seq_use(p, &c->keys);
	rf->stats.tls_tx_records++;
	rf_stat_inc(sk, RF_STAT_TLS_TX_RECORDS);
	return 0;

err_put_cfrags:
	for (i = 0; i < ncf; i++)
		put_page(t->cfrags[i].page);
	return err;
}

/*
 * What sealing a record of up to @max_frags fragments will need, taken
 * before the record takes its first byte, so that closing it needs no
 * memory but out-of-place encryption's ciphertext pages: the request and
 * scatterlists with the first record, the table of ciphertext fragments
 * with the first record of someone else's pages (@foreign). Nothing is
 * allocated for a TLS_TX socket that never sends, and nothing per record:
 * later calls only allocate when the fragment table has grown.
 */
int rf_tls_tx_reserve(struct rf_sock *rf, u32 max_frags, bool foreign)
{
	struct rf_tls *t = rf->tls;
	struct rf_frag *cfrags;
	int err;

	err = rf_crypto_prepare(&t->tx, max_frags + 2, max_frags + 2,
				GFP_KERNEL);
	if (err)
		return err;
	if ((!foreign && !t->cfrags) || max_frags <= t->cfrags_max)
		return 0;
	cfrags = kvcalloc(max_frags, sizeof(*cfrags), GFP_KERNEL);
	if (!cfrags)
		return -ENOMEM;
	/* Scratch for one seal at a time: nothing in it to keep. */
	kvfree(t->cfrags);
	t->cfrags = cfrags;
	t->cfrags_max = max_frags;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Receive                                                            */
/* ------------------------------------------------------------------ */

int rf_tls_rx_header(struct rf_sock *rf, const u8 *hdr)
{
	struct rf_rx *st = &rf->rx.st;
	u32 len;
	int err;

	err = rf_tls_hdr_check(&rf->tls->p, hdr, &len);
	if (err)
		return err;
	st->payload_len = len;
	st->type = hdr[0];
	st->off = 0;
	st->state = RF_RX_BODY;
	return 0;
}

bool rf_tls_rx_ready(const struct rf_sock *rf, bool complete)
{
	const struct rf_tls *t = rf->tls;

	if (t->clear_valid)
		return true;
	/* After a KeyUpdate nothing is readable until the next key. */
	return complete && !t->key_update_pending;
}

struct rf_sg_fill {
	struct scatterlist	*sg;
	u32			n;
	u32			max;
};

/* Map a piece of a queued skb into the source scatterlist. */
static int rf_sg_actor(struct sk_buff *skb, u32 off, u32 len, void *arg)
{
	struct rf_sg_fill *f = arg;
	int n;

	/* skb_to_sgvec() does not bound its output: check first. */
	if (skb_has_frag_list(skb) ||
	    f->n + skb_shinfo(skb)->nr_frags + 1 > f->max)
		return -EMSGSIZE;
	n = skb_to_sgvec_nomark(skb, f->sg + f->n, off, len);
	if (n < 0)
		return n;
	f->n += n;
	return len;
}

/* Pin the user's buffer for @len bytes and append it to @f. */
static int rf_tls_pin_user(struct rf_tls *t, struct iov_iter *it, u32 len,
			   struct rf_sg_fill *f, u32 *npin)
{
	u32 done = 0;

	*npin = 0;
	while (done < len) {
		size_t start;
		ssize_t got;
		u32 left;

		if (*npin == RF_TLS_PIN_MAX || f->n == f->max)
			goto err_unpin;
		got = iov_iter_get_pages2(it, t->pin + *npin, len - done,
					  min_t(u32, RF_TLS_PIN_MAX - *npin,
						f->max - f->n), &start);
		if (got <= 0)
			goto err_unpin;
		done += got;
		for (left = got; left; ) {
			u32 seg = min_t(u32, left, PAGE_SIZE - start);

			sg_set_page(&f->sg[f->n++], t->pin[(*npin)++], seg,
				    start);
			left -= seg;
			start = 0;
		}
	}
	return 0;

err_unpin:
	while (*npin)
		put_page(t->pin[--(*npin)]);
	iov_iter_revert(it, done);
	return -EFAULT;
}

/*
 * Make the clear skb ready for a record: allocated on first use, since
 * most readers take whole records into their own buffers, and made of
 * pages nobody else holds (splice may have kept some).
 */
static int rf_tls_clear_own(struct sock *sk, struct rf_sock *rf)
{
	struct rf_tls *t = rf->tls;
	struct sk_buff *skb = t->clear;
	int i, err;

	t->clear_idle = 0;
	if (!skb) {
		skb = alloc_skb_with_frags(0, RF_TLS_CLEAR_MAX, 0, &err,
					   sk->sk_allocation | __GFP_NOWARN);
		/* It says ENOBUFS; the caller's contract is ENOMEM. */
		if (!skb)
			return -ENOMEM;
		skb->len = RF_TLS_CLEAR_MAX;
		skb->data_len = RF_TLS_CLEAR_MAX;
		t->clear = skb;
		return 0;
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *frag = &skb_shinfo(skb)->frags[i];
		struct page *page;

		if (page_ref_count(skb_frag_page(frag)) == 1)
			continue;
		page = alloc_page(sk->sk_allocation);
		if (!page)
			return -ENOMEM;
		put_page(skb_frag_page(frag));
		__skb_frag_set_page(frag, page);
	}
	return 0;
}

/*
 * Walk the decrypted plaintext (dst entries 1..n-1) from its end to find a
 * TLS 1.3 record's content type, and read its first byte.
 */
static int rf_tls13_scan(struct scatterlist *dst, u32 n, u32 *pad, u8 *type,
			 u8 *first)
{
	int ret = -EAGAIN;
	u32 i;

	*pad = 0;
	for (i = n - 1; i >= 1 && ret == -EAGAIN; i--) {
		u8 *v = kmap_local_page(sg_page(&dst[i]));

		ret = rf_tls13_inner_type(v + dst[i].offset, dst[i].length,
					  pad, type);
		kunmap_local(v);
	}
	if (ret)
		return -EBADMSG;
	if (dst[1].length) {
		u8 *v = kmap_local_page(sg_page(&dst[1]));

		*first = v[dst[1].offset];
		kunmap_local(v);
	}
	return 0;
}

/*
 * Decrypt the complete record at the head of the stream, into @msg's buffer
 * (pinned) when @msg is given, otherwise into the clear skb. The record is
 * consumed. Returns the content length and sets *type, or an error. A
 * record the user's buffer got but that the call cannot return (a control
 * record without cmsg room, or after data when @data_only) is moved to the
 * clear skb and *in_clear set.
 *
 * TLS 1.3's content type, the last byte of the inner plaintext, goes to a
 * byte of the socket's, so that nothing past the returned data is written
 * in the user's buffer; only a padded record (rare) puts its type and
 * padding there, within the buffer given, as kTLS does with
 * TLS_RX_EXPECT_NO_PAD.
 */
static int rf_tls_decrypt(struct sock *sk, struct rf_sock *rf,
			  struct msghdr *msg, bool data_only, u8 *type,
			  bool *in_clear)
{
	struct rf_tls *t = rf->tls;
	const struct rf_tls_params *p = &t->p;
	struct rf_crypto *c = &t->rx;
	struct rf_rx *st = &rf->rx.st;
	u32 rec_len = RF_TLS_HDR + st->payload_len;
	u32 cipher_len = st->payload_len - p->explicit_iv;
	u32 inner = cipher_len - RF_TLS_TAG;
	u8 hdr[RF_TLS_HDR + 8], *dstp = hdr;
	u32 pinned = inner - (rf_tls13(t) ? 1 : 0);
	u32 aad_len, pad = 0, npin = 0, content;
	struct rf_sg_fill src, dst;
	u8 first = 0;
	int err;

	BUILD_BUG_ON(DIV_ROUND_UP(RF_TLS_CLEAR_MAX, PAGE_SIZE) + 1 >
		     RF_TLS_RX_DST_SG);
	*in_clear = !msg;
	if (c->keys.seq_exhausted)
		return -EBADMSG;
	/* The first record brings the request and scatterlists. */
	err = rf_crypto_prepare(c, RF_TLS_RX_SG, RF_TLS_RX_DST_SG,
				sk->sk_allocation);
	if (err)
		return err;
	src = (struct rf_sg_fill){ c->sg_src, 1, c->src_max - 1 };
	dst = (struct rf_sg_fill){ c->sg_dst, 1, c->dst_max - 1 };
	if (rf_rx_walk(sk, rf, 0, rf_tls_prepend(p), rf_copy_bits_actor,
		       &dstp) != rf_tls_prepend(p))
		return -EFAULT;

	sg_init_table(c->sg_src, c->src_max);
	err = rf_rx_walk(sk, rf, rf_tls_prepend(p), cipher_len, rf_sg_actor,
			 &src);
	if (err != cipher_len) {
		/* Too scattered to map: gather it into private skbs first. */
		err = rf_rx_copy_out(sk, rf);
		/* An skb allocation says ENOBUFS; recvmsg's contract is ENOMEM. */
		if (err == -ENOBUFS)
			err = -ENOMEM;
		if (err)
			return err;
		src.n = 1;
		sg_init_table(c->sg_src, c->src_max);
		err = rf_rx_walk(sk, rf, rf_tls_prepend(p), cipher_len,
				 rf_sg_actor, &src);
		if (err != cipher_len)
			return err < 0 ? err : -EMSGSIZE;
	}
	sg_mark_end(&c->sg_src[src.n - 1]);

	sg_init_table(c->sg_dst, c->dst_max);
	if (msg) {
		err = rf_tls_pin_user(t, &msg->msg_iter, pinned, &dst, &npin);
		if (!err && rf_tls13(t)) {
			if (dst.n == dst.max)
				err = -EMSGSIZE;
			else
				sg_set_buf(&c->sg_dst[dst.n++], &t->tail_byte, 1);
			if (err) {
				while (npin)
					put_page(t->pin[--npin]);
				iov_iter_revert(&msg->msg_iter, pinned);
			}
		}
		if (err) {
			*in_clear = true;
			msg = NULL;
			dst.n = 1;
			sg_init_table(c->sg_dst, c->dst_max);
		}
	}
	if (!msg) {
		err = rf_tls_clear_own(sk, rf);
		if (err)
			return err;
		err = skb_to_sgvec_nomark(t->clear, &c->sg_dst[1], 0, inner);
		if (err < 0)
			return err;
		dst.n = 1 + err;
	}
	sg_mark_end(&c->sg_dst[dst.n - 1]);

	rf_tls_nonce(p, &c->keys, hdr + RF_TLS_HDR, c->nonce);
	aad_len = rf_tls_aad(p, &c->keys, hdr, hdr[0], inner, c->aad);
	sg_set_buf(&c->sg_src[0], c->aad, aad_len);
	sg_set_buf(&c->sg_dst[0], c->aad, aad_len);

	err = rf_crypto_run(c, false, c->sg_src, c->sg_dst, aad_len,
			    cipher_len);
	if (!err && rf_tls13(t))
		err = rf_tls13_scan(c->sg_dst, dst.n, &pad, type, &first);
	else if (!err)
		*type = hdr[0];
	/* Type 0 is no record type; TLS 1.3 never yields it (padding). */
	if (!err && !*type)
		err = -EBADMSG;
	if (err) {
		err = err == -EBADMSG || err == -EAGAIN ? -EBADMSG : err;
		rf->stats.tls_decrypt_err++;
		rf_stat_inc(sk, RF_STAT_TLS_DECRYPT_ERR);
		goto out_unpin;
	}
	content = rf_tls13(t) ? inner - pad - 1 : inner;

	/* A record this call cannot return stays queued, decrypted. */
	if (msg && *type != RF_TLS_TYPE_DATA &&
	    (data_only || msg->msg_controllen < CMSG_SPACE(sizeof(u8)))) {
		err = rf_tls_clear_own(sk, rf);
		if (!err) {
			u32 done = 0, i;

			for (i = 1; i < dst.n && done < content; i++) {
				u8 *v = kmap_local_page(sg_page(&c->sg_dst[i]));
				u32 k = min(content - done, c->sg_dst[i].length);

				skb_store_bits(t->clear, done,
					       v + c->sg_dst[i].offset, k);
				kunmap_local(v);
				done += k;
			}
			iov_iter_revert(&msg->msg_iter, pinned);
			*in_clear = true;
		}
	} else if (msg) {
		/* The iterator moved past padding (if any): not returned. */
		iov_iter_revert(&msg->msg_iter, pinned - content);
	}
	if (err)
		goto out_unpin;

	if (*in_clear) {
		t->clear_valid = true;
		t->clear_len = content;
		t->clear_off = 0;
		t->clear_type = *type;
		rf->stats.tls_rx_clear++;
		rf_stat_inc(sk, RF_STAT_TLS_RX_CLEAR);
	} else {
		rf->stats.tls_rx_zc++;
		rf_stat_inc(sk, RF_STAT_TLS_RX_ZC);
		if (t->clear && ++t->clear_idle >= RF_TLS_CLEAR_IDLE) {
			consume_skb(t->clear);
			t->clear = NULL;
		}
	}
	rf_tls_seq_use(p, &c->keys);
	trace_recframe_rx_record(sk, *type, content);
	rf->stats.tls_rx_records++;
	rf_stat_inc(sk, RF_STAT_TLS_RX_RECORDS);

	/* TLS 1.3 KeyUpdate: the peer's next records use a key we lack. */
	if (rf_tls13(t) && *type == RF_TLS_TYPE_HANDSHAKE && content &&
	    first == RF_TLS_HS_KEY_UPDATE)
		t->key_update_pending = true;
	rf_rx_take(sk, rf, rec_len);
	err = content;

out_unpin:
	while (npin)
		put_page(t->pin[--npin]);
	if (err < 0 && msg)
		iov_iter_revert(&msg->msg_iter, pinned);
	return err;
}

/*
 * A record could not be opened: authentication failures are decrypt
 * errors (counted in rf_tls_decrypt()), not framing errors. Lack of memory
 * ends nothing: the record was not consumed and stays at the head, and the
 * next read tries again.
 */
static void rf_tls_rx_fail(struct sock *sk, struct rf_sock *rf, int err)
{
	if (err == -ENOMEM)
		return;
	if (err == -EBADMSG) {
		rf_rx_stop(rf, err);
		trace_recframe_decrypt_error(sk, err);
		rf_nl_event(sk, rf, RF_EVENT_DECRYPT_ERROR, err);
	} else {
		rf_rx_set_error(sk, rf, err);
	}
	WRITE_ONCE(rf->rx.ready, false);
}

/*
 * Wait for a complete record, or say why there is none. Returns 0 when one
 * is there, 1 at end of stream, or an error.
 */
static int rf_tls_wait_record(struct sock *sk, struct rf_sock *rf,
			      long *timeo)
{
	for (;;) {
		int err;

		if (rf->tls->key_update_pending)
			return -EKEYEXPIRED;
		rf_rx_parse(sk, rf);
		if (rf->rx.ready)
			return 0;
		err = rf_rx_wait(sk, rf, timeo);
		if (err)
			return err;
	}
}

static bool rf_tls_can_zc(const struct rf_sock *rf, struct msghdr *msg,
			  int flags, size_t room)
{
	const struct rf_tls *t = rf->tls;
	const struct rf_rx *st = &rf->rx.st;
	u32 inner = st->payload_len - t->p.explicit_iv - RF_TLS_TAG;

	/* The content type of TLS 1.3 does not go to the user. */
	if (rf_tls13(t))
		inner--;
	if (flags & (MSG_PEEK | MSG_TRUNC))
		return false;
	if (!user_backed_iter(&msg->msg_iter) || room < inner ||
	    iov_iter_count(&msg->msg_iter) < inner)
		return false;
	/* TLS 1.2 tells the type up front: control records need a cmsg. */
	if (!rf_tls13(t) && st->type != RF_TLS_TYPE_DATA &&
	    msg->msg_controllen < CMSG_SPACE(sizeof(u8)))
		return false;
	return true;
}

int rf_tls_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		   int flags)
{
	struct rf_sock *rf = rf_sk(sk);
	struct rf_tls *t = rf->tls;
	bool peek = flags & MSG_PEEK;
	size_t copied = 0;
	bool eor = false;
	u8 control = 0;
	int target;
	long timeo;
	int err = 0;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	while (copied < len) {
		int cerr;
		u32 n;

		if (!t->clear_valid) {
			bool in_clear;
			u8 type;
			int got;

			/*
			 * Past the target, keep going only through data records
			 * already complete, as kTLS fills the buffer with them.
			 */
			if (copied >= target) {
				rf_rx_parse(sk, rf);
				if (!rf->rx.ready || t->key_update_pending ||
				    control != RF_TLS_TYPE_DATA)
					break;
			}
			/* A peek shows one record (see recframe.rst). */
			if (peek && copied)
				break;
			err = rf_tls_wait_record(sk, rf, &timeo);
			if (err)
				break;
			got = rf_tls_decrypt(sk, rf,
					     rf_tls_can_zc(rf, msg, flags,
							   len - copied) ?
					     msg : NULL, copied, &type, &in_clear);
			if (got < 0) {
				rf_tls_rx_fail(sk, rf, got);
				err = got;
				break;
			}
			if (type == RF_TLS_TYPE_DATA && !got) {
				/* Empty data records carry nothing: skip. */
				t->clear_valid = false;
				rf->stats.rx_empty++;
				rf_stat_inc(sk, RF_STAT_RX_EMPTY);
				continue;
			}
			if (!in_clear) {
				if (!control)
					put_cmsg(msg, SOL_TLS, TLS_GET_RECORD_TYPE,
						 sizeof(type), &type);
				control = type;
				copied += got;
				eor = true;
				rf_rx_account(sk, rf, got, true);
				if (type != RF_TLS_TYPE_DATA)
					break;
				continue;
			}
		}

		/* Serve the decrypted record in the clear skb. */
		if (!control) {
			control = t->clear_type;
			cerr = put_cmsg(msg, SOL_TLS, TLS_GET_RECORD_TYPE,
					sizeof(control), &control);
			if (control != RF_TLS_TYPE_DATA &&
			    (cerr || (msg->msg_flags & MSG_CTRUNC))) {
				err = -EIO;
				break;
			}
		} else if (control != t->clear_type) {
			break;
		}
		n = min_t(size_t, len - copied, t->clear_len - t->clear_off);
		if (!(flags & MSG_TRUNC) && n) {
			err = skb_copy_datagram_msg(t->clear, t->clear_off, msg,
						    n);
			if (err)
				break;
		}
		copied += n;
		eor = t->clear_off + n == t->clear_len;
		if (peek)
			break;
		t->clear_off += n;
		if (eor) {
			t->clear_valid = false;
			rf_rx_parse(sk, rf);
		}
		rf_rx_account(sk, rf, n, eor);
		if (!eor || control != RF_TLS_TYPE_DATA)
			break;
	}
	if (eor)
		msg->msg_flags |= MSG_EOR;
	release_sock(sk);
	if (copied)
		return copied;
	return err > 0 ? 0 : err;
}

ssize_t rf_tls_splice_read(struct sock *sk, struct pipe_inode_info *pipe,
			   size_t len, unsigned int flags, long timeo)
{
	struct rf_sock *rf = rf_sk(sk);
	struct rf_tls *t = rf->tls;
	int got;

	while (!t->clear_valid) {
		bool in_clear;
		u8 type;
		int err;

		err = rf_tls_wait_record(sk, rf, &timeo);
		if (err)
			return err > 0 ? 0 : err;
		got = rf_tls_decrypt(sk, rf, NULL, false, &type, &in_clear);
		if (got < 0) {
			rf_tls_rx_fail(sk, rf, got);
			return got;
		}
		if (type == RF_TLS_TYPE_DATA && !got) {
			t->clear_valid = false;
			rf->stats.rx_empty++;
			rf_stat_inc(sk, RF_STAT_RX_EMPTY);
		}
	}
	/* A pipe cannot carry a record type: as kTLS, only data splices. */
	if (t->clear_type != RF_TLS_TYPE_DATA)
		return -EINVAL;
	got = skb_splice_bits(t->clear, sk, t->clear_off, pipe,
			      min_t(size_t, len, t->clear_len - t->clear_off),
			      flags);
	if (got > 0) {
		bool eor;

		t->clear_off += got;
		eor = t->clear_off == t->clear_len;
		if (eor) {
			t->clear_valid = false;
			rf_rx_parse(sk, rf);
		}
		rf_rx_account(sk, rf, got, eor);
	}
	return got;
}

/* ------------------------------------------------------------------ */
/* Socket options                                                     */
/* ------------------------------------------------------------------ */

static struct rf_tls *rf_tls_get(struct rf_sock *rf,
				 const struct rf_tls_params *p)
{
	struct rf_tls *t = rf->tls;

	if (t)
		return t;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->p = *p;
	rf->tls = t;
	rf->tls_version = p->version;
	rf->tls_cipher = p->cipher;
	return t;
}

/*
 * Installing a direction takes only its transform and key; what records
 * need comes with the first record (rf_tls_tx_reserve(), rf_tls_decrypt()),
 * so that idle sockets stay small.
 */
static int rf_tls_install_tx(struct sock *sk, struct rf_sock *rf,
			     struct rf_tls *t, const struct rf_tls_keys *keys)
{
	int err;

	err = rf_crypto_init(&t->tx, &t->p, keys);
	if (err)
		return err;
	rf->tx_mode = RF_MODE_TLS;
	return 0;
}

static int rf_tls_install_rx(struct sock *sk, struct rf_sock *rf,
			     struct rf_tls *t, const struct rf_tls_keys *keys)
{
	int err;

	err = rf_crypto_init(&t->rx, &t->p, keys);
	if (err)
		return err;
	rf_format_default(&rf->fmt);
	WRITE_ONCE(rf->rx_mode, RF_MODE_TLS);
	/* Records already queued are TLS records from now on. */
	rf_rx_reparse(sk, rf);
	if (rf->rx.ready)
		rf->saved_data_ready(sk);
	return 0;
}

/*
 * TLS 1.3 KeyUpdate: the next key of a configured direction. Transmit
 * first closes the record being built with the old key.
 */
static int rf_tls_rekey(struct sock *sk, struct rf_sock *rf, bool tx,
			const struct rf_tls_keys *keys)
{
	struct rf_tls *t = rf->tls;
	int err;

	if (tx) {
		if (rf->tx.pushing)
			return -EBUSY;
		if (rf->tx.open) {
			err = rf_tx_close(sk, rf);
			if (err)
				return err;
			/* Sealed with the old key, it must not wait for a send. */
			rf_tx_push_pending(sk, rf);
		}
		err = rf_crypto_rekey(&t->tx, &t->p, keys);
	} else {
		err = rf_crypto_rekey(&t->rx, &t->p, keys);
		if (!err) {
			t->key_update_pending = false;
			rf_rx_parse(sk, rf);
			if (rf->rx.ready)
				rf->saved_data_ready(sk);
		}
	}
	if (err)
		return err;
	trace_recframe_rekey(sk, tx);
	rf->stats.tls_rekey++;
	rf_stat_inc(sk, RF_STAT_TLS_REKEY);
	rf_nl_event(sk, rf, RF_EVENT_REKEY, 0);
	return 0;
}

static int rf_tls_set_crypto(struct sock *sk, bool tx, sockptr_t optval,
			     unsigned int optlen)
{
	union {
		struct tls_crypto_info	info;
		u8			raw[RF_TLS_INFO_MAX];
	} u;
	struct rf_tls_params p;
	struct rf_tls_keys keys;
	struct rf_sock *rf;
	struct rf_tls *t;
	u8 mode, other;
	int err;

	if (sockptr_is_null(optval) || optlen < sizeof(u.info))
		return -EINVAL;
	/* As kTLS: a TLS 1.2 direction set once stays, whatever comes. */
	rf = rf_sk(sk);
	if ((tx ? READ_ONCE(rf->tx_mode) : READ_ONCE(rf->rx_mode)) ==
	    RF_MODE_TLS && READ_ONCE(rf->tls_version) != TLS_1_3_VERSION)
		return -EBUSY;
	if (copy_from_sockptr(&u.info, optval, sizeof(u.info)))
		return -EFAULT;
	err = rf_tls_params_get(u.info.version, u.info.cipher_type, &p);
	if (err)
		return err;
	if (optlen != p.info_size)
		return -EINVAL;
	if (copy_from_sockptr(u.raw, optval, optlen)) {
		err = -EFAULT;
		goto out_wipe;
	}
	err = rf_tls_keys_from_info(&p, u.raw, optlen, &keys);
	if (err)
		goto out_wipe;

	lock_sock(sk);
	rf = rf_sk(sk);
	mode = tx ? rf->tx_mode : rf->rx_mode;
	other = tx ? rf->rx_mode : rf->tx_mode;
	err = -EINVAL;
	if (mode == RF_MODE_FRAMING || other == RF_MODE_FRAMING)
		goto out_unlock;
	/* Both directions use one version and one cipher, as in kTLS. */
	if (rf->tls && (rf->tls->p.version != p.version ||
			rf->tls->p.cipher != p.cipher))
		goto out_unlock;
	if (mode == RF_MODE_TLS) {
		/* Set again: TLS 1.3's KeyUpdate, or kTLS's EBUSY. */
		err = -EBUSY;
		if (p.version != TLS_1_3_VERSION)
			goto out_unlock;
		err = rf_tls_rekey(sk, rf, tx, &keys);
		goto out_unlock;
	}
	err = -ENOMEM;
	t = rf_tls_get(rf, &p);
	if (!t)
		goto out_unlock;
	if (tx)
		err = rf_tls_install_tx(sk, rf, t, &keys);
	else
		err = rf_tls_install_rx(sk, rf, t, &keys);
out_unlock:
	release_sock(sk);
out_wipe:
	memzero_explicit(&u, sizeof(u));
	memzero_explicit(&keys, sizeof(keys));
	return err;
}

int rf_tls_setsockopt(struct sock *sk, int optname, sockptr_t optval,
		      unsigned int optlen)
{
	struct rf_sock *rf = rf_sk(sk);
	u32 val;
	int err;

	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		return rf_tls_set_crypto(sk, optname == TLS_TX, optval, optlen);
	case TLS_TX_ZEROCOPY_RO:
		if (sockptr_is_null(optval) || optlen != sizeof(val))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
		if (val > 1)
			return -EINVAL;
		/* Encryption never writes the file's pages: accepted as is. */
		lock_sock(sk);
		rf->tls_tx_zc_ro = val;
		release_sock(sk);
		return 0;
	case TLS_RX_EXPECT_NO_PAD:
		if (sockptr_is_null(optval) || optlen < sizeof(val))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
		if (val > 1)
			return -EINVAL;
		err = check_zeroed_sockptr(optval, sizeof(val),
					   optlen - sizeof(val));
		if (err < 1)
			return err ? err : -EINVAL;
		lock_sock(sk);
		err = -EINVAL;
		/*
		 * recframe decrypts TLS 1.3 into the user's buffer with or
		 * without the hint; the value is kept for getsockopt.
		 */
		if (rf->rx_mode == RF_MODE_TLS && rf_tls13(rf->tls)) {
			rf->tls->rx_no_pad = val;
			err = 0;
		}
		release_sock(sk);
		return err;
	default:
		return -ENOPROTOOPT;
	}
}

static int rf_tls_get_crypto(struct sock *sk, struct rf_sock *rf, bool tx,
			     char __user *optval, int __user *optlen)
{
	u8 buf[RF_TLS_INFO_MAX];
	struct rf_tls *t = rf->tls;
	int len, err = 0;

	if (get_user(len, optlen))
		return -EFAULT;
	if (!optval || len < (int)sizeof(struct tls_crypto_info))
		return -EINVAL;
	if ((tx ? rf->tx_mode : rf->rx_mode) != RF_MODE_TLS)
		return -EBUSY;
	if (len != sizeof(struct tls_crypto_info) && len != t->p.info_size)
		return -EINVAL;
	rf_tls_keys_to_info(&t->p, tx ? &t->tx.keys : &t->rx.keys, buf);
	if (copy_to_user(optval, buf, len))
		err = -EFAULT;
	memzero_explicit(buf, sizeof(buf));
	return err;
}

int rf_tls_getsockopt(struct sock *sk, int optname, char __user *optval,
		      int __user *optlen)
{
	struct rf_sock *rf = rf_sk(sk);
	int len, err;
	u32 val;

	lock_sock(sk);
	switch (optname) {
	case TLS_TX:
	case TLS_RX:
		err = rf_tls_get_crypto(sk, rf, optname == TLS_TX, optval,
					optlen);
		break;
	case TLS_TX_ZEROCOPY_RO:
		err = -EFAULT;
		if (get_user(len, optlen))
			break;
		err = -EINVAL;
		if (len != sizeof(val))
			break;
		val = rf->tls_tx_zc_ro;
		err = copy_to_user(optval, &val, sizeof(val)) ? -EFAULT : 0;
		break;
	case TLS_RX_EXPECT_NO_PAD:
		err = -EINVAL;
		if (!rf->tls || !rf_tls13(rf->tls))
			break;
		err = -EFAULT;
		if (get_user(len, optlen))
			break;
		err = -EINVAL;
		if (len < (int)sizeof(val) || rf->rx_mode != RF_MODE_TLS)
			break;
		val = rf->tls->rx_no_pad;
		err = -EFAULT;
		if (put_user(sizeof(val), optlen) ||
		    copy_to_user(optval, &val, sizeof(val)))
			break;
		err = 0;
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

void rf_tls_free(struct rf_sock *rf)
{
	struct rf_tls *t = rf->tls;

	if (!t)
		return;
	rf_crypto_free(&t->tx);
	rf_crypto_free(&t->rx);
	/* rf_tx_release() dropped a reserved tail already; in case. */
	if (t->tail.page)
		put_page(t->tail.page);
	kvfree(t->cfrags);
	consume_skb(t->clear);
	rf->tls = NULL;
	kfree_sensitive(t);
}
