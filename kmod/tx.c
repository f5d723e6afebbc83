// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit side: records are built as lists of page fragments and
 * handed to TCP by reference.
 *
 * sendmsg() copies the user's bytes once, into the socket's page frag (the
 * same pages TCP itself would copy into); sendfile() and splice() take
 * references to the file's pages instead. The header's room (and in TLS
 * mode the content type and tag's) is reserved in fragments of its own
 * when a record opens, so closing a record needs no memory. A closed
 * record goes to do_tcp_sendpages(), which attaches the pages to skbs
 * without copying. The fragment array is allocated with the framing, so
 * records allocate nothing but what the page frag hands out.
 *
 * In framing mode a message is a record (EMSGSIZE above max_record); in TLS
 * mode sends are cut into records of at most 16 KiB, as kTLS cuts them.
 *
 * At most one closed record waits for TCP (pending). A message that made
 * it into a closed record has been sent as far as the caller is concerned:
 * if TCP cannot take it yet (a non-blocking socket, a signal, a timeout,
 * no memory for an skb), the push is finished later without any further
 * call, and the call still succeeds; only a dead connection makes it
 * fail. A new message meets the pending record first and waits for it (or
 * gets EAGAIN), so a non-blocking message is either taken whole or not at
 * all.
 */

#include <linux/highmem.h>
#include <linux/uio.h>
#include <net/tcp.h>

#include "recframe.h"
#include "rf_trace.h"

/* Upper bound on the time close() spends pushing a last record. */
#define RF_CLOSE_FLUSH_TIMEOUT	(2 * HZ)

/*
 * How long a push or a seal that failed for memory waits before the next
 * try, when nothing else will call it back: about what
 * sk_stream_wait_memory() gives a blocking sender in the same case.
 */
#define RF_TX_RETRY_DELAY	(HZ / 10)

/*
 * Room kept in the array for the fragments TLS adds after the payload when
 * it encrypts out of place.
 */
#define RF_TX_SPARE_FRAGS	2

u32 rf_tx_frags_for(const struct rf_format *fmt)
{
	/*
	 * One fragment per page of payload, one more for a payload that does
	 * not start on a page boundary, the header, the tail, and the spares.
	 */
	return DIV_ROUND_UP(max_t(u32, fmt->max_record, RF_TLS_MAX_PLAIN),
			    PAGE_SIZE) + 3 + RF_TX_SPARE_FRAGS;
}

int rf_tx_resize(struct rf_sock *rf, const struct rf_format *fmt)
{
	u32 n = rf_tx_frags_for(fmt);
	struct rf_frag *frags;
	int err;

	if (rf->tx.frags && n <= rf->tx.max_frags)
		return 0;
	frags = kvcalloc(n, sizeof(*frags), GFP_KERNEL);
	if (!frags)
		return -ENOMEM;
	/* A record being built may grow into the new entries: TLS follows. */
	if (rf->tx_mode == RF_MODE_TLS && rf->tls->tx.req) {
		err = rf_tls_tx_reserve(rf, n, false);
		if (err) {
			kvfree(frags);
			return err;
		}
	}
	/* A record may be open or waiting: it moves to the new array. */
	if (rf->tx.frags)
		memcpy(frags, rf->tx.frags,
		       rf->tx.nr_frags * sizeof(*frags));
	kvfree(rf->tx.frags);
	rf->tx.frags = frags;
	rf->tx.max_frags = n;
	return 0;
}

static void rf_tx_work(struct work_struct *work);
static void rf_tx_retry_fire(struct timer_list *t);

int rf_tx_init(struct rf_sock *rf)
{
	INIT_WORK(&rf->tx.work, rf_tx_work);
	timer_setup(&rf->tx.retry, rf_tx_retry_fire, 0);
	return rf_tx_resize(rf, &rf->fmt);
}

static void rf_frag_put(struct rf_frag *f)
{
	if (f->page)
		put_page(f->page);
	f->page = NULL;
	f->len = 0;
}

static void rf_tx_drop_frags(struct rf_tx_ctx *tx, u32 from)
{
	u32 i;

	for (i = from; i < tx->nr_frags; i++)
		rf_frag_put(&tx->frags[i]);
	tx->nr_frags = from;
}

static void rf_tx_reset(struct rf_sock *rf)
{
	struct rf_tx_ctx *tx = &rf->tx;

	rf_tx_drop_frags(tx, 0);
	if (rf->tls)
		rf_frag_put(&rf->tls->tail);
	tx->payload_len = 0;
	tx->open = false;
	tx->foreign = false;
	tx->pending = false;
	tx->want_close = false;
	tx->push_idx = 0;
	tx->push_off = 0;
}

/*
 * At close, outside the socket lock, once rf->closing keeps both from
 * being armed again: the timer queues the work, so it goes first.
 */
void rf_tx_cancel(struct rf_sock *rf)
{
	del_timer_sync(&rf->tx.retry);
	cancel_work_sync(&rf->tx.work);
}

/* After rf_tx_cancel(); drops whatever was not sent. */
void rf_tx_release(struct rf_sock *rf)
{
	if (rf->tx.frags)
		rf_tx_reset(rf);
	kvfree(rf->tx.frags);
	rf->tx.frags = NULL;
}

/*
 * Carve up to @len bytes from the socket's page frag: returns the page,
 * referenced once for the caller, with the offset and the bytes it got.
 * TCP takes its own references when the record is sent.
 */
struct page *rf_tx_carve(struct sock *sk, struct rf_sock *rf, u32 len,
			 u32 *off, u32 *got)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	struct page *old = pfrag->page;

	if (!skb_page_frag_refill(min_t(u32, len, PAGE_SIZE), pfrag,
				  sk->sk_allocation))
		return NULL;
	if (pfrag->page != old) {
		rf->stats.tx_alloc++;
		rf_stat_inc(sk, RF_STAT_TX_PAGE_ALLOC);
	}
	*off = pfrag->offset;
	*got = min_t(u32, len, pfrag->size - pfrag->offset);
	pfrag->offset += *got;
	get_page(pfrag->page);
	return pfrag->page;
}

/* Carve exactly @len contiguous bytes (a header or a tail) into @f. */
static int rf_tx_carve_whole(struct sock *sk, struct rf_sock *rf, u32 len,
			     struct rf_frag *f)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		u32 off, got;
		struct page *page = rf_tx_carve(sk, rf, len, &off, &got);

		if (!page)
			return -ENOMEM;
		if (got == len) {
			*f = (struct rf_frag){ page, off, len };
			return 0;
		}
		/* The frag's page had fewer bytes left: the next is fresh. */
		put_page(page);
	}
	return -ENOMEM;
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
	if (tx->nr_frags + RF_TX_SPARE_FRAGS >= tx->max_frags)
		return false;
	tx->frags[tx->nr_frags++] = (struct rf_frag){ page, off, len };
	return true;
}

static u32 rf_tx_prepend_len(const struct rf_sock *rf)
{
	if (rf->tx_mode == RF_MODE_TLS)
		return rf_tls_prepend(&rf->tls->p);
	return rf->fmt.hdr_len;
}

/* Largest payload of one record in this mode. */
static u32 rf_tx_record_max(const struct rf_sock *rf)
{
	if (rf->tx_mode == RF_MODE_TLS)
		return RF_TLS_MAX_PLAIN;
	return rf->fmt.max_record;
}

/* Open a record, reserving the room its closing will need. */
static int rf_tx_open(struct sock *sk, struct rf_sock *rf, u8 type)
{
	struct rf_tx_ctx *tx = &rf->tx;
	int err;

	/* No record is taken that could not be sealed. */
	if (rf->tx_mode == RF_MODE_TLS) {
		if (rf->tls->tx.keys.seq_exhausted)
			return -EBADMSG;
		err = rf_tls_tx_reserve(rf, tx->max_frags, false);
		if (err)
			return err;
	}
	err = rf_tx_carve_whole(sk, rf, rf_tx_prepend_len(rf), &tx->frags[0]);
	if (err)
		return err;
	if (rf->tx_mode == RF_MODE_TLS) {
		err = rf_tx_carve_whole(sk, rf, rf_tls_tail(&rf->tls->p),
					&rf->tls->tail);
		if (err) {
			rf_frag_put(&tx->frags[0]);
			return err;
		}
	}
	tx->nr_frags = 1;
	tx->payload_len = 0;
	tx->type = type;
	tx->foreign = false;
	tx->open = true;
	return 0;
}

/* Give up a record opened by this call that got no byte. */
static void rf_tx_abandon_empty(struct rf_sock *rf)
{
	struct rf_tx_ctx *tx = &rf->tx;

	if (!tx->open || tx->payload_len || tx->nr_frags != 1)
		return;
	rf_tx_reset(rf);
}

/* Copy @len bytes from @from into the open record; all or nothing. */
static int rf_tx_fill(struct sock *sk, struct rf_sock *rf,
		      struct iov_iter *from, u32 len)
{
	struct rf_tx_ctx *tx = &rf->tx;
	u32 nr_frags = tx->nr_frags;
	u32 last_len = tx->frags[nr_frags - 1].len;
	u32 done = 0;
	int err;

	while (done < len) {
		struct page *page;
		u32 off, n;

		err = -ENOMEM;
		page = rf_tx_carve(sk, rf, len - done, &off, &n);
		if (!page)
			goto undo;
		/* Page frag pages are never highmem: no kmap needed. */
		if (copy_from_iter(page_address(page) + off, n, from) != n) {
			put_page(page);
			err = -EFAULT;
			goto undo;
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
	return err;
}

/* Write the header of the open record and make it the record to push. */
int rf_tx_close(struct sock *sk, struct rf_sock *rf)
{
	struct rf_tx_ctx *tx = &rf->tx;
	struct rf_frag *hdr = &tx->frags[0];
	int err;

	if (rf->tx_mode == RF_MODE_TLS) {
		err = rf_tls_seal(sk, rf);
		if (err)
			return err;
	} else {
		err = rf_hdr_build(&rf->fmt, page_address(hdr->page) + hdr->off,
				   tx->type, tx->payload_len);
		if (err)
			return err;
	}
	tx->open = false;
	tx->want_close = false;
	tx->pending = true;
	tx->push_idx = 0;
	tx->push_off = 0;

	trace_recframe_tx_record(sk, tx->type, tx->payload_len);
	rf->stats.tx_records++;
	rf->stats.tx_bytes += tx->payload_len;
	rf_stat_inc(sk, RF_STAT_TX_RECORDS);
	rf_stat_add(sk, RF_STAT_TX_BYTES, tx->payload_len);
	return 0;
}

/* Run the transmit work after a while, to try again for memory. */
static void rf_tx_retry_later(struct rf_sock *rf)
{
	if (!rf->closing)
		timer_reduce(&rf->tx.retry, jiffies + RF_TX_RETRY_DELAY);
}

static void rf_tx_retry_fire(struct timer_list *t)
{
	struct rf_sock *rf = from_timer(rf, t, tx.retry);

	schedule_work(&rf->tx.work);
}

/*
 * Hand the pending record to TCP. do_tcp_sendpages() may sleep with the
 * socket released; tx.pushing keeps other senders off the record then.
 * Returns 0 once TCP has it all, or why not.
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
		rf_frag_put(f);
		tx->push_off = 0;
		tx->push_idx++;
	}
	tx->pushing = false;
	if (tx->push_idx == tx->nr_frags) {
		rf_tx_reset(rf);
		ret = 0;
	} else if (!ret) {
		ret = -EAGAIN;
	}
	/*
	 * What is left goes from rf_write_space(), which TCP calls when ACKs
	 * free room. With nothing in flight no ACK will come: the push ran
	 * out of memory for an skb, and only a timer brings it back.
	 */
	if (tx->pending && tcp_rtx_and_write_queues_empty(sk) &&
	    !sk->sk_err && !(sk->sk_shutdown & SEND_SHUTDOWN))
		rf_tx_retry_later(rf);
	/* Writers waiting for the pusher to finish. */
	wake_up_interruptible_all(sk_sleep(sk));
	return ret < 0 ? ret : 0;
}

/* Push without waiting; what TCP cannot take now goes later by itself. */
void rf_tx_push_pending(struct sock *sk, struct rf_sock *rf)
{
	if (rf->tx.pending && !rf->tx.pushing)
		rf_tx_push(sk, rf, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Close the open record for a sender that ended it and whose bytes were
 * taken. Only out-of-place encryption needs memory to close a record; when
 * there is none, the transmit work tries again, and the next call closes
 * the record before anything else, so it still leaves without a call.
 */
static int rf_tx_close_accepted(struct sock *sk, struct rf_sock *rf)
{
	int err = rf_tx_close(sk, rf);

	if (err == -ENOMEM) {
		rf->tx.want_close = true;
		rf_tx_retry_later(rf);
	}
	return err;
}

/*
 * Push a record whose message the caller has already accepted: a push TCP
 * cannot finish now is finished later, so only a dead connection is an
 * error here.
 */
static int rf_tx_push_accepted(struct sock *sk, struct rf_sock *rf,
			       int flags)
{
	rf_tx_push(sk, rf, flags);
	if (rf->tx.pending && (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN)))
		return -EPIPE;
	return 0;
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
	/* The record a sender ended comes before any new byte. */
	if (rf->tx.want_close) {
		err = rf_tx_close(sk, rf);
		if (err)
			return err;
	}
	if (rf->tx.pending)
		return rf_tx_push(sk, rf, flags);
	return 0;
}

/* Close the open record (if any) and push it, for a caller that accepted it. */
static int rf_tx_close_push(struct sock *sk, struct rf_sock *rf, int flags)
{
	int err;

	if (!rf->tx.open)
		return 0;
	err = rf_tx_close_accepted(sk, rf);
	if (err)
		return err;
	return rf_tx_push_accepted(sk, rf, flags);
}

/*
 * The record type of a send. Framing mode: RECFRAME_RECORD_TYPE at
 * SOL_RECFRAME. TLS mode: kTLS's TLS_SET_RECORD_TYPE at SOL_TLS, which
 * refuses MSG_MORE.
 */
static int rf_tx_cmsg(struct rf_sock *rf, struct msghdr *msg, int *type)
{
	bool tls = rf->tx_mode == RF_MODE_TLS;
	int level = tls ? SOL_TLS : SOL_RECFRAME;
	struct cmsghdr *cmsg;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != level)
			continue;
		if (cmsg->cmsg_type != (tls ? TLS_SET_RECORD_TYPE :
					RECFRAME_RECORD_TYPE) ||
		    cmsg->cmsg_len < CMSG_LEN(sizeof(u8)))
			return -EINVAL;
		if (tls ? msg->msg_flags & MSG_MORE : !rf->fmt.has_type)
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
	int pflags = flags & (MSG_DONTWAIT | MSG_NOSIGNAL);
	bool more = flags & MSG_MORE;
	size_t copied = 0;
	int type = -1;
	u32 rec_max;
	long timeo;
	int err;

	if (rf->tx_mode == RF_MODE_NONE)
		return rf->sk_proto->sendmsg(sk, msg, size);

	if (flags & ~(MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR |
		      MSG_BATCH | MSG_CMSG_COMPAT))
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
	err = rf_tx_prepare(sk, rf, &timeo, pflags);
	if (err)
		goto out;

	/* A change of type, or a type given at all in TLS mode, ends the open record. */
	if (tx->open && type >= 0 &&
	    (type != tx->type || rf->tx_mode == RF_MODE_TLS)) {
		err = rf_tx_close_push(sk, rf, pflags);
		if (err)
			goto out;
		if (tx->pending) {
			err = -EAGAIN;
			goto out;
		}
	}
	if (type < 0)
		type = tx->open ? tx->type : RECFRAME_TYPE_DEFAULT;
	rec_max = rf_tx_record_max(rf);
	if (rf->tx_mode == RF_MODE_FRAMING &&
	    (tx->open ? tx->payload_len : 0) + size > rec_max) {
		err = -EMSGSIZE;
		goto out;
	}

	do {
		u32 n;

		if (!tx->open) {
			err = rf_tx_open(sk, rf, type);
			if (err)
				break;
		}
		n = min_t(size_t, size - copied, rec_max - tx->payload_len);
		err = rf_tx_fill(sk, rf, &msg->msg_iter, n);
		if (err) {
			rf_tx_abandon_empty(rf);
			break;
		}
		copied += n;
		if (copied == size)
			break;
		/* TLS mode: the record is full and more bytes follow. */
		err = rf_tx_close_push(sk, rf, pflags);
		if (err)
			break;
		/* One record may wait for TCP: the rest of the send waits too. */
		if (tx->pending) {
			err = rf_tx_push(sk, rf, pflags);
			if (err)
				break;
		}
	} while (copied < size);

	if (copied == size && !more)
		err = rf_tx_close_push(sk, rf, pflags);
out:
	release_sock(sk);
	/* Bytes taken are reported; an error then shows on the next call. */
	if (copied)
		return copied;
	return err ? sk_stream_error(sk, flags, err) : 0;
}

int rf_sendpage(struct sock *sk, struct page *page, int offset, size_t size,
		int flags)
{
	bool more = flags & (MSG_MORE | MSG_SENDPAGE_NOTLAST);
	struct rf_sock *rf = rf_sk(sk);
	struct rf_tx_ctx *tx = &rf->tx;
	int pflags = flags & (MSG_DONTWAIT | MSG_NOSIGNAL);
	size_t copied = 0;
	u32 rec_max;
	long timeo;
	int err;

	if (rf->tx_mode == RF_MODE_NONE)
		return rf->sk_proto->sendpage(sk, page, offset, size, flags);

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	err = rf_tx_prepare(sk, rf, &timeo, pflags);
	if (err)
		goto out;
	rec_max = rf_tx_record_max(rf);

	while (copied < size) {
		u32 n;

		if (!tx->open) {
			err = rf_tx_open(sk, rf, RECFRAME_TYPE_DEFAULT);
			if (err)
				break;
		}
		/* Sealing someone else's pages needs a ciphertext table. */
		if (rf->tx_mode == RF_MODE_TLS && !tx->foreign) {
			err = rf_tls_tx_reserve(rf, tx->max_frags, true);
			if (err) {
				rf_tx_abandon_empty(rf);
				break;
			}
		}
		n = min_t(size_t, size - copied, rec_max - tx->payload_len);
		get_page(page);
		if (!n || !rf_tx_add_frag(tx, page, offset + copied, n)) {
			/* Record full: send it and start the next one. */
			put_page(page);
			err = rf_tx_close_push(sk, rf, pflags);
			if (!err && tx->pending)
				err = rf_tx_push(sk, rf, pflags);
			if (err)
				break;
			continue;
		}
		tx->payload_len += n;
		tx->foreign = true;
		copied += n;
	}
	if (!err && !more)
		err = rf_tx_close_push(sk, rf, pflags);
out:
	release_sock(sk);
	if (copied)
		return copied;
	return err ? sk_stream_error(sk, flags, err) : 0;
}

/* splice() ran out of data before its count: close the record now. */
void rf_splice_eof(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct rf_sock *rf = rf_sk(sk);

	if (rf->tx_mode == RF_MODE_NONE) {
		if (rf->sk_proto->splice_eof)
			rf->sk_proto->splice_eof(sock);
		return;
	}
	lock_sock(sk);
	if (!rf->tx.pushing)
		rf_tx_close_push(sk, rf, MSG_DONTWAIT | MSG_NOSIGNAL);
	release_sock(sk);
}

/*
 * Close the open record and push what is pending, waiting at most @timeo
 * and not past a signal or a connection error. Socket owned by the caller.
 */
void rf_tx_flush(struct sock *sk, struct rf_sock *rf, long timeo)
{
	struct rf_tx_ctx *tx = &rf->tx;

	if (rf->tx_mode == RF_MODE_NONE)
		return;
	for (;;) {
		DEFINE_WAIT_FUNC(wait, woken_wake_function);
		long slice, left;
		bool room;

		/* Waiting released the socket: a sender may be pushing. */
		if (rf_tx_wait_pusher(sk, rf, &timeo))
			return;
		if (tx->open) {
			int err = rf_tx_close(sk, rf);

			if (err && err != -ENOMEM)
				return;
		}
		rf_tx_push_pending(sk, rf);
		if ((!tx->open && !tx->pending) || !timeo ||
		    signal_pending(current) || sk->sk_err ||
		    (sk->sk_shutdown & SEND_SHUTDOWN))
			return;
		/*
		 * Stopped with room in the buffer: memory ran out. Try again
		 * after a while, as a blocking sender would; otherwise wait
		 * for the ACKs that make room, or for the transmit work to
		 * finish the record.
		 */
		room = sk_stream_memory_free(sk);
		slice = room ? min_t(long, timeo, RF_TX_RETRY_DELAY) : timeo;
		left = slice;
		add_wait_queue(sk_sleep(sk), &wait);
		sk_wait_event(sk, &left, (!tx->open && !tx->pending) ||
			      (!room && sk_stream_memory_free(sk)), &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
		if (timeo != MAX_SCHEDULE_TIMEOUT)
			timeo -= slice - left;
	}
}

static void rf_tx_work(struct work_struct *work)
{
	struct rf_sock *rf = container_of(work, struct rf_sock, tx.work);
	struct rf_tx_ctx *tx = &rf->tx;
	struct sock *sk = rf->sk;

	lock_sock(sk);
	if (rf->closing || tx->pushing)
		goto out;
	/* A record its sender ended, waiting for memory to be sealed. */
	if (tx->want_close && rf_tx_close_accepted(sk, rf))
		goto out;
	if (tx->pending) {
		rf_tx_push(sk, rf, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (!tx->pending)
			rf->saved_write_space(sk);
	}
out:
	release_sock(sk);
}

void rf_write_space(struct sock *sk)
{
	struct rf_sock *rf = rf_sk(sk);

	/* TCP took some bytes: finish a record a send left behind. */
	if (READ_ONCE(rf->tx.pending) && !READ_ONCE(rf->tx.pushing)) {
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
