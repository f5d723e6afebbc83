// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit side: records are built as lists of page fragments and
 * handed to TCP by reference.
 *
 * sendmsg() copies the user's bytes once, into the socket's page frag (the
 * same pages TCP itself would copy into); sendfile() and splice() take
 * references to the file's pages instead. When a record closes, its header
 * is written into a small fragment of its own and the whole list goes to
 * do_tcp_sendpages(), which attaches the pages to skbs without copying.
 * The fragment array is allocated with the framing, so records allocate
 * nothing but the pages the page frag hands out.
 *
 * At most one closed record waits for TCP (pending); a sender that finds
 * one pushes it first, and a non-blocking sender gets EAGAIN while TCP
 * cannot take it, so a message is either taken whole or not at all.
 */

#include <linux/highmem.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "recframe.h"

/* Upper bound on the time close() spends pushing a last record. */
#define RF_CLOSE_FLUSH_TIMEOUT	(2 * HZ)

static u32 rf_tx_frags_for(const struct rf_format *fmt)
{
	/*
	 * One fragment per page of payload, one for the header, one for a
	 * payload that does not start on a page boundary.
	 */
	return DIV_ROUND_UP(fmt->max_record, PAGE_SIZE) + 2;
}

int rf_tx_resize(struct rf_sock *rf, const struct rf_format *fmt)
{
	u32 n = rf_tx_frags_for(fmt);
	struct rf_frag *frags;

	if (rf->tx.frags && n <= rf->tx.max_frags)
		return 0;
	frags = kvcalloc(n, sizeof(*frags), GFP_KERNEL);
	if (!frags)
		return -ENOMEM;
	kvfree(rf->tx.frags);
	rf->tx.frags = frags;
	rf->tx.max_frags = n;
	return 0;
}

static void rf_tx_work(struct work_struct *work);

int rf_tx_init(struct rf_sock *rf)
{
	INIT_WORK(&rf->tx.work, rf_tx_work);
	return rf_tx_resize(rf, &rf->fmt);
}

static void rf_tx_drop_frags(struct rf_tx_ctx *tx, u32 from)
{
	u32 i;

	for (i = from; i < tx->nr_frags; i++) {
		if (tx->frags[i].page)
			put_page(tx->frags[i].page);
		tx->frags[i].page = NULL;
	}
	tx->nr_frags = from;
}

static void rf_tx_reset(struct rf_tx_ctx *tx)
{
	rf_tx_drop_frags(tx, 0);
	tx->payload_len = 0;
	tx->open = false;
	tx->pending = false;
	tx->push_idx = 0;
	tx->push_off = 0;
}

/* After the work was cancelled; drops whatever was not sent. */
void rf_tx_release(struct rf_sock *rf)
{
	if (rf->tx.frags)
		rf_tx_reset(&rf->tx);
	kvfree(rf->tx.frags);
	rf->tx.frags = NULL;
}

/*
 * Carve @len bytes from the socket's page frag. The page is referenced
 * once for the caller; TCP takes its own references when it is sent.
 */
static void *rf_tx_carve(struct sock *sk, struct rf_sock *rf, u32 len,
			 struct page **page, u32 *off, u32 *got)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	struct page *old = pfrag->page;

	if (!skb_page_frag_refill(len < PAGE_SIZE ? len : PAGE_SIZE, pfrag,
				  sk->sk_allocation))
		return NULL;
	if (pfrag->page != old) {
		rf->stats.tx_alloc++;
		rf_stat_inc(sk, RF_STAT_TX_PAGE_ALLOC);
	}
	*page = pfrag->page;
	*off = pfrag->offset;
	*got = min_t(u32, len, pfrag->size - pfrag->offset);
	pfrag->offset += *got;
	get_page(*page);
	return page_address(*page) + *off;
}

/* Append a page range to the open record, merging with the last one. */
static bool rf_tx_add_frag(struct rf_tx_ctx *tx, struct page *page, u32 off,
			   u32 len)
{
	struct rf_frag *last = &tx->frags[tx->nr_frags - 1];

	if (tx->nr_frags > 1 && last->page == page &&
	    last->off + last->len == off) {
		last->len += len;
		put_page(page);
		return true;
	}
	if (tx->nr_frags == tx->max_frags)
		return false;
	tx->frags[tx->nr_frags++] = (struct rf_frag){ page, off, len };
	return true;
}

static void rf_tx_open(struct rf_tx_ctx *tx, u8 type)
{
	/* frags[0] is filled with the header when the record closes. */
	tx->frags[0] = (struct rf_frag){ NULL, 0, 0 };
	tx->nr_frags = 1;
	tx->payload_len = 0;
	tx->type = type;
	tx->open = true;
}

/* Copy @len bytes from @from into the open record; all or nothing. */
static int rf_tx_fill(struct sock *sk, struct rf_sock *rf,
		      struct iov_iter *from, u32 len)
{
	struct rf_tx_ctx *tx = &rf->tx;
	u32 nr_frags = tx->nr_frags;
	u32 last_len = tx->frags[nr_frags - 1].len;
	u32 done = 0;

	while (done < len) {
		struct page *page;
		u32 off, n;
		void *dst;

		dst = rf_tx_carve(sk, rf, len - done, &page, &off, &n);
		if (!dst)
			goto undo;
		if (copy_from_iter(dst, n, from) != n) {
			put_page(page);
			iov_iter_revert(from, done);
			rf_tx_drop_frags(tx, nr_frags);
			tx->frags[nr_frags - 1].len = last_len;
			return -EFAULT;
		}
		if (!rf_tx_add_frag(tx, page, off, n)) {
			put_page(page);
			goto undo;
		}
		done += n;
	}
	tx->payload_len += len;
	return 0;

undo:
	iov_iter_revert(from, done);
	rf_tx_drop_frags(tx, nr_frags);
	tx->frags[nr_frags - 1].len = last_len;
	return -ENOMEM;
}

/* Write the header of the open record and make it the record to push. */
static int rf_tx_close(struct sock *sk, struct rf_sock *rf)
{
	struct rf_tx_ctx *tx = &rf->tx;
	u32 hlen = rf->fmt.hdr_len;
	struct page *page;
	u32 off, got;
	void *dst;
	int err;

	dst = rf_tx_carve(sk, rf, hlen, &page, &off, &got);
	if (!dst)
		return -ENOMEM;
	if (got < hlen) {
		/* The frag had fewer bytes left than a header; try a fresh page. */
		put_page(page);
		dst = rf_tx_carve(sk, rf, hlen, &page, &off, &got);
		if (!dst || got < hlen) {
			if (dst)
				put_page(page);
			return -ENOMEM;
		}
	}
	err = rf_hdr_build(&rf->fmt, dst, tx->type, tx->payload_len);
	if (err) {
		put_page(page);
		return err;
	}
	tx->frags[0] = (struct rf_frag){ page, off, hlen };
	tx->open = false;
	tx->pending = true;
	tx->push_idx = 0;
	tx->push_off = 0;

	rf->stats.tx_records++;
	rf->stats.tx_bytes += tx->payload_len;
	rf_stat_inc(sk, RF_STAT_TX_RECORDS);
	rf_stat_add(sk, RF_STAT_TX_BYTES, tx->payload_len);
	return 0;
}

/*
 * Hand the pending record to TCP. do_tcp_sendpages() may sleep with the
 * socket released; tx.pushing keeps other senders off the record then.
 */
static int rf_tx_push(struct sock *sk, struct rf_sock *rf, int flags)
{
	struct rf_tx_ctx *tx = &rf->tx;
	int ret = 0;

	tx->pushing = true;
	while (tx->push_idx < tx->nr_frags) {
		struct rf_frag *f = &tx->frags[tx->push_idx];
		int fl = flags;

		if (tx->push_idx + 1 < tx->nr_frags)
			fl |= MSG_SENDPAGE_NOTLAST | MSG_MORE;
		ret = do_tcp_sendpages(sk, f->page, f->off + tx->push_off,
				       f->len - tx->push_off, fl);
		if (ret <= 0)
			break;
		tx->push_off += ret;
		if (tx->push_off < f->len)
			continue;
		put_page(f->page);
		f->page = NULL;
		tx->push_off = 0;
		tx->push_idx++;
	}
	tx->pushing = false;
	if (tx->push_idx == tx->nr_frags) {
		rf_tx_reset(tx);
		ret = 0;
	} else if (!ret) {
		ret = -EAGAIN;
	}
	/* Writers waiting for the pusher to finish. */
	wake_up_interruptible_all(sk_sleep(sk));
	return ret < 0 ? ret : 0;
}

/* Wait until no other sender sleeps inside rf_tx_push(). */
static int rf_tx_wait_pusher(struct sock *sk, struct rf_sock *rf,
			     long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	while (rf->tx.pushing) {
		if (!*timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(*timeo);
		add_wait_queue(sk_sleep(sk), &wait);
		sk_wait_event(sk, timeo, !rf->tx.pushing, &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
	}
	return 0;
}

/* Make room for a new record: wait for a pusher, push what is pending. */
static int rf_tx_prepare(struct sock *sk, struct rf_sock *rf, long *timeo,
			 int flags)
{
	int err;

	if (rf->aborted)
		return -ECONNABORTED;
	/* sk_stream_error() turns this into TCP's pending error, if any. */
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		return -EPIPE;
	err = rf_tx_wait_pusher(sk, rf, timeo);
	if (err)
		return err;
	if (rf->tx.pending)
		return rf_tx_push(sk, rf, flags);
	return 0;
}

static int rf_tx_cmsg(struct rf_sock *rf, struct msghdr *msg, int *type)
{
	struct cmsghdr *cmsg;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_RECFRAME)
			continue;
		if (cmsg->cmsg_type != RECFRAME_RECORD_TYPE ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(u8)) ||
		    !rf->fmt.has_type)
			return -EINVAL;
		*type = *(u8 *)CMSG_DATA(cmsg);
	}
	return 0;
}

int rf_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
	struct rf_sock *rf = rf_sk(sk);
	struct rf_tx_ctx *tx = &rf->tx;
	int flags = msg->msg_flags;
	bool more = flags & MSG_MORE;
	int type = -1;
	long timeo;
	int err;

	if (flags & ~(MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR |
		      MSG_CMSG_COMPAT))
		return -EOPNOTSUPP;
	if (flags & MSG_EOR)
		more = false;
	if (msg->msg_controllen) {
		err = rf_tx_cmsg(rf, msg, &type);
		if (err)
			return err;
	}

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	err = rf_tx_prepare(sk, rf, &timeo, flags & (MSG_DONTWAIT | MSG_NOSIGNAL));
	if (err)
		goto out;

	/* A change of type ends the open record. */
	if (tx->open && type >= 0 && type != tx->type) {
		err = rf_tx_close(sk, rf);
		if (!err)
			err = rf_tx_push(sk, rf, flags & MSG_NOSIGNAL);
		if (err)
			goto out;
	}
	if ((tx->open ? tx->payload_len : 0) + size > rf->fmt.max_record) {
		err = -EMSGSIZE;
		goto out;
	}
	if (!tx->open)
		rf_tx_open(tx, type >= 0 ? type : RECFRAME_TYPE_DEFAULT);

	err = rf_tx_fill(sk, rf, &msg->msg_iter, size);
	if (err)
		goto out_empty;
	if (!more) {
		err = rf_tx_close(sk, rf);
		if (err)
			goto out;
		/*
		 * The message is ours now: a push TCP cannot finish is
		 * completed from write_space, so EAGAIN is not an error.
		 */
		err = rf_tx_push(sk, rf, flags & (MSG_DONTWAIT | MSG_NOSIGNAL));
		if (err == -EAGAIN)
			err = 0;
	}
out_empty:
	/* Nothing was added to a record opened by this call. */
	if (err && tx->open && !tx->payload_len)
		tx->open = false;
out:
	release_sock(sk);
	if (err)
		return sk_stream_error(sk, flags, err);
	return size;
}

int rf_sendpage(struct sock *sk, struct page *page, int offset, size_t size,
		int flags)
{
	bool more = flags & (MSG_MORE | MSG_SENDPAGE_NOTLAST);
	struct rf_sock *rf = rf_sk(sk);
	struct rf_tx_ctx *tx = &rf->tx;
	int pflags = flags & (MSG_DONTWAIT | MSG_NOSIGNAL);
	size_t copied = 0;
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	err = rf_tx_prepare(sk, rf, &timeo, pflags);
	if (err)
		goto out;

	while (copied < size) {
		u32 room, n;

		if (!tx->open)
			rf_tx_open(tx, RECFRAME_TYPE_DEFAULT);
		room = rf->fmt.max_record - tx->payload_len;
		n = min_t(size_t, size - copied, room);
		get_page(page);
		if (!n || !rf_tx_add_frag(tx, page, offset + copied, n)) {
			/* Record full: send it and start the next one. */
			put_page(page);
			err = rf_tx_close(sk, rf);
			if (!err)
				err = rf_tx_push(sk, rf, pflags);
			if (err)
				break;
			continue;
		}
		tx->payload_len += n;
		copied += n;
	}
	if (!err && !more && tx->open) {
		err = rf_tx_close(sk, rf);
		if (!err)
			err = rf_tx_push(sk, rf, pflags);
		/* The bytes are ours; write_space finishes the push. */
		if (err == -EAGAIN)
			err = 0;
	}
out:
	release_sock(sk);
	if (copied)
		return copied;
	return sk_stream_error(sk, flags, err);
}

/*
 * Close the open record and push what is pending, waiting at most @timeo.
 * Socket owned by the caller.
 */
void rf_tx_flush(struct sock *sk, struct rf_sock *rf, long timeo)
{
	if (rf_tx_wait_pusher(sk, rf, &timeo))
		return;
	if (rf->tx.open && rf_tx_close(sk, rf))
		return;
	while (rf->tx.pending && timeo && !sk->sk_err &&
	       !(sk->sk_shutdown & SEND_SHUTDOWN)) {
		DEFINE_WAIT_FUNC(wait, woken_wake_function);

		if (!rf_tx_push(sk, rf, MSG_DONTWAIT | MSG_NOSIGNAL) ||
		    !rf->tx.pending)
			break;
		add_wait_queue(sk_sleep(sk), &wait);
		sk_wait_event(sk, &timeo, sk_stream_memory_free(sk), &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
	}
}

static void rf_tx_work(struct work_struct *work)
{
	struct rf_sock *rf = container_of(work, struct rf_sock, tx.work);
	struct sock *sk = rf->sk;

	lock_sock(sk);
	if (!rf->closing && rf->tx.pending && !rf->tx.pushing) {
		rf_tx_push(sk, rf, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (!rf->tx.pending)
			rf->saved_write_space(sk);
	}
	release_sock(sk);
}

void rf_write_space(struct sock *sk)
{
	struct rf_sock *rf = rf_sk(sk);

	/* TCP took some bytes: finish a record a non-blocking send left. */
	if (rf->tx.pending && !rf->tx.pushing) {
		schedule_work(&rf->tx.work);
		return;
	}
	rf->saved_write_space(sk);
}

void rf_shutdown_flush(struct sock *sk)
{
	struct rf_sock *rf = rf_sk(sk);

	lock_sock(sk);
	rf_tx_flush(sk, rf, sock_sndtimeo(sk, 0));
	release_sock(sk);
}

long rf_close_flush_timeo(struct sock *sk)
{
	return min_t(long, sock_sndtimeo(sk, 0), RF_CLOSE_FLUSH_TIMEOUT);
}
