// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side: the framer that finds record boundaries in TCP's
 * receive queue, and recvmsg, poll and splice on top of it.
 *
 * Records are not moved anywhere while they arrive: they stay in the skbs
 * TCP queued, and the framer only peeks at each header to learn where the
 * record ends. A record becomes visible (poll, recv) once all its bytes are
 * queued; reading copies straight from TCP's skbs to the user and then
 * releases them with tcp_read_done().
 *
 * The exception is a record too large for the receive buffer: TCP would
 * close its window and wait for a reader that poll never wakes. Before that
 * happens the bytes of the current record are moved into skbs of our own
 * (the copy queue, "copy fallback"), which reopens the window. The stream
 * seen by the framer is then the copy queue followed by TCP's queue.
 */

#include <linux/skbuff.h>
#include <linux/splice.h>
#include <linux/highmem.h>
#include <net/tcp.h>

#include "recframe.h"
#include "rf_trace.h"

/* Largest private skb the copy fallback builds, in pages. */
#define RF_COPY_SKB_PAGES	16

/*
 * Walk the unread stream from @offset for @len bytes, calling @actor on
 * each contiguous piece of an skb. The actor returns how much it used; a
 * short count or an error ends the walk. Returns the bytes used, or the
 * actor's error if it failed on the first piece.
 */
static int rf_walk_skb(struct sk_buff *skb, u32 start, u32 *offset,
		       u32 *done, u32 len, rf_actor_t actor, void *arg)
{
	u32 avail, chunk;
	int ret;

	if (start >= skb->len)
		return 0;
	avail = skb->len - start;
	if (*offset >= avail) {
		*offset -= avail;
		return 0;
	}
	chunk = min(avail - *offset, len - *done);
	ret = actor(skb, start + *offset, chunk, arg);
	*offset = 0;
	if (ret < 0)
		return ret;
	*done += ret;
	return ret < chunk ? -ENOSPC : 0;
}

int rf_rx_walk(struct sock *sk, struct rf_sock *rf, u32 offset, u32 len,
	       rf_actor_t actor, void *arg)
{
	u32 copied_seq = READ_ONCE(tcp_sk(sk)->copied_seq);
	struct sk_buff *skb;
	u32 done = 0;
	bool first = true;
	int ret = 0;

	skb_queue_walk(&rf->rx.copyq, skb) {
		if (done == len)
			break;
		ret = rf_walk_skb(skb, first ? rf->rx.copy_off : 0, &offset,
				  &done, len, actor, arg);
		first = false;
		if (ret)
			goto out;
	}
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		s32 lead = copied_seq - TCP_SKB_CB(skb)->seq;

		if (done == len)
			break;
		ret = rf_walk_skb(skb, lead > 0 ? lead : 0, &offset, &done,
				  len, actor, arg);
		if (ret)
			goto out;
	}
out:
	if (ret < 0 && ret != -ENOSPC && !done)
		return ret;
	return done;
}

/* Bytes TCP holds for the reader, urgent bytes included, FIN excluded. */
static u32 rf_tcp_avail(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 avail = READ_ONCE(tp->rcv_nxt) - READ_ONCE(tp->copied_seq);

	if (avail && sock_flag(sk, SOCK_DONE))
		avail--;
	return avail;
}

static u64 rf_rx_avail(const struct sock *sk, const struct rf_sock *rf)
{
	return (u64)rf->rx.copy_len + rf_tcp_avail(sk);
}

int rf_copy_bits_actor(struct sk_buff *skb, u32 off, u32 len, void *arg)
{
	u8 **dst = arg;
	int err;

	err = skb_copy_bits(skb, off, *dst, len);
	if (err)
		return err;
	*dst += len;
	return len;
}

/* Consume @n bytes from the head of the stream. */
static void rf_rx_eat(struct sock *sk, struct rf_sock *rf, u32 n)
{
	struct rf_rx_ctx *rx = &rf->rx;

	while (n && rx->copy_len) {
		struct sk_buff *skb = skb_peek(&rx->copyq);
		u32 k = min(skb->len - rx->copy_off, n);

		rx->copy_off += k;
		rx->copy_len -= k;
		n -= k;
		if (rx->copy_off == skb->len) {
			__skb_unlink(skb, &rx->copyq);
			consume_skb(skb);
			rx->copy_off = 0;
		}
	}
	if (n) {
		struct tcp_sock *tp = tcp_sk(sk);

		tcp_read_done(sk, n);
		rx->tcp_seq = tp->copied_seq;
		/* As tcp_recvmsg(): an urgent byte read is no longer pending. */
		if (tp->urg_data && after(tp->copied_seq, tp->urg_seq)) {
			WRITE_ONCE(tp->urg_data, 0);
			tcp_fast_path_check(sk);
		}
	}
}

/* Stop the framer for good with @err, reported by every later read. */
void rf_rx_stop(struct rf_sock *rf, int err)
{
	rf->rx.st.state = RF_RX_ERR;
	rf->rx.st.err = err;
}

void rf_rx_set_error(struct sock *sk, struct rf_sock *rf, int err)
{
	enum rf_stat stat;

	rf_rx_stop(rf, err);
	switch (err) {
	case -EMSGSIZE:
		rf->stats.err_msgsize++;
		stat = RF_STAT_ERR_MSGSIZE;
		break;
	case -EBADMSG:
		rf->stats.err_badmsg++;
		stat = RF_STAT_ERR_BADMSG;
		break;
	case -EINVAL:
		rf->stats.err_badversion++;
		stat = RF_STAT_ERR_BADVERSION;
		break;
	case -EPROTO:
		rf->stats.err_truncated++;
		stat = RF_STAT_ERR_TRUNCATED;
		break;
	default:
		/* Not a framing error: ENOMEM, ECONNABORTED. */
		return;
	}
	rf_stat_inc(sk, stat);
	trace_recframe_framing_error(sk, err);
	rf_nl_event(sk, rf, RF_EVENT_FRAMING_ERROR, err);
	net_dbg_ratelimited("recframe: receive framing error %d\n", err);
}

/*
 * The largest segment the peer sends: our advertised MSS, which a Linux
 * sender also bounds by half the largest window it was offered.
 */
static u32 rf_rx_peer_mss(const struct sock *sk)
{
	u32 half = max(tcp_full_space(sk), 2) / 2;

	return min_t(u32, tcp_sk(sk)->advmss, half);
}

/*
 * The window TCP would advertise if it sent an ACK now. Mirrors the rules
 * of TCP's window selection: below half the buffer free, a free space
 * smaller than one segment or a sixteenth of the buffer is announced as
 * zero (silly window avoidance); never more than rcv_ssthresh.
 */
static u32 rf_tcp_window_now(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	int allowed = tcp_full_space(sk);
	int full = min_t(int, tp->window_clamp, allowed);
	int mss = min_t(int, inet_csk(sk)->icsk_ack.rcv_mss, full);
	int space = tcp_space(sk);

	if (mss <= 0 || space <= 0)
		return 0;
	if (space < full / 2) {
		space = round_down(space, 1 << tp->rx_opt.rcv_wscale);
		if (space < (allowed >> 4) || space < mss)
			return 0;
	}
	return min_t(u32, space, tp->rcv_ssthresh);
}

/*
 * The current record needs more bytes than TCP will let the peer send:
 * without help the sender stalls on a closed window and poll never reports
 * the record. Only the head record can be incomplete, so everything TCP
 * holds belongs to it and only a reader would free it.
 *
 * The peer sends into the advertised window, but a sender with more queued
 * than a window smaller than its segments holds back (its own silly
 * window avoidance) until its persist timer fires, 200 ms or more later.
 * TCP raises the window only as far as its free space allows, skb overhead
 * included; if that is not a full segment, or not enough for the rest of
 * the record, only moving the record out of TCP's queue gets it.
 */
static bool rf_rx_need_copy(struct sock *sk, const struct rf_sock *rf)
{
	const struct rf_rx_ctx *rx = &rf->rx;
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 need = rf_rx_peer_mss(sk);
	u32 wnd, win_now;
	u64 missing;

	if (rx->st.state != RF_RX_BODY || rx->ready || !rf_tcp_avail(sk))
		return false;
	missing = rf_rx_record_len(&rx->st, &rf->fmt) - rx->st.off -
		  rf_rx_avail(sk, rf);
	/*
	 * Over its buffer (SO_RCVBUF lowered after the window was given),
	 * or with TCP as a whole short of memory, TCP drops even in-window
	 * segments: the window promises nothing.
	 */
	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf) ||
	    tcp_rmem_pressure(sk) || tcp_under_memory_pressure(sk))
		return true;
	wnd = tcp_receive_window(tp);
	if (missing <= wnd && wnd >= need)
		return false;
	win_now = rf_tcp_window_now(sk);
	return win_now < need || missing > win_now;
}

/*
 * A reader has taken everything before the head record, which is still
 * incomplete, or new bytes of it arrived with an ACK left for later. TCP
 * announces a larger window on its own when a read empties its queue or
 * doubles the window, and acks new data at once only after two segments:
 * with part of the record left in the queue neither may happen, and a
 * peer looking at a window smaller than one segment waits for its persist
 * timer. Announce the window TCP can give now, when that unblocks the
 * peer; when it cannot, rf_rx_need_copy() has the copy fallback take over.
 */
static void rf_rx_open_window(struct sock *sk, struct rf_sock *rf)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	u32 need, wnd, win_now;

	if (rf->rx.ready || rf->rx.st.state == RF_RX_ERR ||
	    !((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) ||
	    (sk->sk_shutdown & RCV_SHUTDOWN))
		return;
	need = rf_rx_peer_mss(sk);
	wnd = tcp_receive_window(tp);
	if (wnd >= need)
		return;
	win_now = rf_tcp_window_now(sk);
	if (win_now >= need && win_now > wnd) {
		__tcp_send_ack(sk, tp->rcv_nxt);
		rf->stats.rx_window_updates++;
		rf_stat_inc(sk, RF_STAT_RX_WINDOW_UPDATES);
	}
}

/*
 * Advance the framer as far as the queued bytes allow: parse the header of
 * the record at the head, and tell whether that record is complete. Runs
 * with the socket owned by process context, or from TCP's receive path
 * when it is not, so the queues cannot change underneath.
 */
void rf_rx_parse(struct sock *sk, struct rf_sock *rf)
{
	struct rf_rx_ctx *rx = &rf->rx;
	const struct rf_format *fmt = &rf->fmt;
	bool fin = sock_flag(sk, SOCK_DONE);
	u8 hdr[RECFRAME_HDR_MAX];
	bool ready = false;
	u64 avail;
	u8 *dst;
	int err;

	if (rx->st.state == RF_RX_ERR || rf->rx_mode == RF_MODE_NONE)
		goto out;
	/*
	 * Only recframe consumes TCP's queue once receive is framed; if
	 * bytes went anyway (TCP skipping an urgent byte after SO_OOBINLINE
	 * was cleared), the records that follow cannot be trusted.
	 */
	if (unlikely(READ_ONCE(tcp_sk(sk)->copied_seq) != rx->tcp_seq)) {
		rf_rx_set_error(sk, rf, -EPROTO);
		goto out;
	}

	avail = rf_rx_avail(sk, rf);
	if (rx->st.state == RF_RX_HDR) {
		if (avail < fmt->hdr_len) {
			if (fin && avail)
				rf_rx_set_error(sk, rf, -EPROTO);
			goto out;
		}
		dst = hdr;
		if (rf_rx_walk(sk, rf, 0, fmt->hdr_len, rf_copy_bits_actor,
			       &dst) != fmt->hdr_len)
			goto out;
		if (rf->rx_mode == RF_MODE_TLS)
			err = rf_tls_rx_header(rf, hdr);
		else
			err = rf_rx_header(&rx->st, fmt, hdr);
		if (err) {
			rf_rx_set_error(sk, rf, err);
			goto out;
		}
	}
	ready = rf_rx_complete(&rx->st, fmt, avail);
	if (!ready && fin)
		rf_rx_set_error(sk, rf, -EPROTO);
out:
	if (rf->rx_mode == RF_MODE_TLS)
		ready = rf_tls_rx_ready(rf, ready);
	WRITE_ONCE(rx->ready, ready);
	/*
	 * Whoever moved the framer here (new data, a reader finishing the
	 * record before) may have left a record TCP cannot hold whole.
	 */
	if (!ready && rf_rx_need_copy(sk, rf) && !rf->closing)
		schedule_work(&rx->work);
}

void rf_rx_abort(struct sock *sk, struct rf_sock *rf)
{
	rf_rx_set_error(sk, rf, -ECONNABORTED);
	WRITE_ONCE(rf->rx.ready, false);
}

void rf_rx_reparse(struct sock *sk, struct rf_sock *rf)
{
	/*
	 * Urgent bytes stay in the stream from now on: with SO_OOBINLINE
	 * off, TCP skips an urgent byte by moving copied_seq under the
	 * framer, and every record after it would be misaligned.
	 */
	sock_set_flag(sk, SOCK_URGINLINE);
	rf->rx.tcp_seq = tcp_sk(sk)->copied_seq;
	rf_rx_reset(&rf->rx.st);
	rf_rx_parse(sk, rf);
}

/*
 * Consume @n bytes of the current record. At its end the framer moves on
 * at once, so that poll and the next reader see the next record's state,
 * never the one just consumed. Returns true at the end of the record.
 */
bool rf_rx_take(struct sock *sk, struct rf_sock *rf, u32 n)
{
	struct rf_rx_ctx *rx = &rf->rx;
	u32 len = rx->st.payload_len;
	u8 type = rx->st.type;

	rf_rx_eat(sk, rf, n);
	if (!rf_rx_consume(&rx->st, &rf->fmt, n))
		return false;
	/* TLS traces the record once decrypted, with its real type. */
	if (rf->rx_mode == RF_MODE_FRAMING)
		trace_recframe_rx_record(sk, type, len);
	rx->copying = false;
	rf_rx_parse(sk, rf);
	rf_rx_open_window(sk, rf);
	return true;
}

struct rf_copy_dst {
	struct sk_buff	*skb;
	u32		pos;
};

/* Copy a piece of a TCP skb into the private skb's pages. */
static int rf_copy_actor(struct sk_buff *src, u32 off, u32 len, void *arg)
{
	struct rf_copy_dst *d = arg;
	u32 done = 0;

	while (done < len) {
		u32 pos = d->pos, fstart = 0, n, fo;
		skb_frag_t *frag = NULL;
		void *vaddr;
		int i, err;

		for (i = 0; i < skb_shinfo(d->skb)->nr_frags; i++) {
			frag = &skb_shinfo(d->skb)->frags[i];
			if (pos < fstart + skb_frag_size(frag))
				break;
			fstart += skb_frag_size(frag);
		}
		if (i == skb_shinfo(d->skb)->nr_frags)
			break;
		fo = pos - fstart;
		n = min(skb_frag_size(frag) - fo, len - done);
		vaddr = kmap_local_page(skb_frag_page(frag));
		err = skb_copy_bits(src, off + done, vaddr + skb_frag_off(frag) + fo, n);
		kunmap_local(vaddr);
		if (err)
			return done ? done : err;
		done += n;
		d->pos += n;
	}
	return done;
}

/*
 * Move what TCP holds of the current record into private skbs. Process
 * context, socket owned.
 */
int rf_rx_copy_out(struct sock *sk, struct rf_sock *rf)
{
	struct rf_rx_ctx *rx = &rf->rx;
	u32 remaining, want, tcp_avail;
	struct rf_copy_dst d;
	int err, got;

	remaining = rf_rx_record_len(&rx->st, &rf->fmt) - rx->st.off;
	if (remaining <= rx->copy_len)
		return 0;
	tcp_avail = rf_tcp_avail(sk);
	want = min(remaining - rx->copy_len, tcp_avail);
	while (want) {
		u32 n = min_t(u32, want, RF_COPY_SKB_PAGES * PAGE_SIZE);

		d.skb = alloc_skb_with_frags(0, n, 0, &err,
					     sk->sk_allocation | __GFP_NOWARN);
		if (!d.skb)
			return -ENOMEM;
		d.skb->len = n;
		d.skb->data_len = n;
		d.pos = 0;
		/* The bytes to move start right after what was moved before. */
		got = rf_rx_walk(sk, rf, rx->copy_len, n, rf_copy_actor, &d);
		if (got != n) {
			kfree_skb(d.skb);
			return got < 0 ? got : -EFAULT;
		}
		if (!rx->copying) {
			rx->copying = true;
			rf->stats.rx_copy_fallback++;
			rf_stat_inc(sk, RF_STAT_RX_COPY_FALLBACK);
		}
		__skb_queue_tail(&rx->copyq, d.skb);
		rx->copy_len += n;
		/* TCP's part of the stream now starts later. */
		tcp_read_done(sk, n);
		rx->tcp_seq = tcp_sk(sk)->copied_seq;
		want -= n;
	}
	return 0;
}

static void rf_rx_work(struct work_struct *work)
{
	struct rf_sock *rf = container_of(work, struct rf_sock, rx.work);
	struct sock *sk = rf->sk;
	int err;

	lock_sock(sk);
	if (rf->closing)
		goto out;
	/* A reader may have moved things on since the work was queued. */
	rf_rx_parse(sk, rf);
	if (rf_rx_need_copy(sk, rf)) {
		err = rf_rx_copy_out(sk, rf);
		if (err)
			rf_rx_set_error(sk, rf, err);
		rf_rx_parse(sk, rf);
	}
	rf_rx_open_window(sk, rf);
	if (rf->rx.ready || rf->rx.st.state == RF_RX_ERR)
		rf->saved_data_ready(sk);
out:
	release_sock(sk);
}

void rf_data_ready(struct sock *sk)
{
	struct rf_sock *rf = rf_sk(sk);

	if (rf->rx_mode == RF_MODE_NONE) {
		rf->saved_data_ready(sk);
		return;
	}
	rf_rx_parse(sk, rf);
	/* Do not leave the ACK to the timer while the peer waits for it. */
	if (inet_csk_ack_scheduled(sk))
		rf_rx_open_window(sk, rf);
	/* Readers are only woken for something they can consume. */
	if (rf->rx.ready || rf->rx.st.state == RF_RX_ERR ||
	    sock_flag(sk, SOCK_DONE) || sk->sk_err)
		rf->saved_data_ready(sk);
}

static bool rf_rx_wakeable(const struct sock *sk, const struct rf_sock *rf)
{
	return READ_ONCE(rf->rx.ready) || rf->rx.st.state == RF_RX_ERR ||
	       READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) ||
	       sock_flag(sk, SOCK_DONE);
}

/*
 * No complete record: report why, or wait for one. Returns 0 to try again,
 * 1 at end of stream, or a negative error.
 */
int rf_rx_wait(struct sock *sk, struct rf_sock *rf, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	if (rf->rx.st.state == RF_RX_ERR)
		return rf->rx.st.err;
	if (sk->sk_err)
		return sock_error(sk);
	if ((sk->sk_shutdown & RCV_SHUTDOWN) || sock_flag(sk, SOCK_DONE))
		return 1;
	if (!*timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(*timeo);

	/* The copy fallback may be what this reader is waiting for. */
	if (rf_rx_need_copy(sk, rf)) {
		int err = rf_rx_copy_out(sk, rf);

		if (err)
			rf_rx_set_error(sk, rf, err);
		return 0;
	}
	rf_rx_open_window(sk, rf);

	add_wait_queue(sk_sleep(sk), &wait);
	sk_set_bit(SOCKWQ_ASYNC_WAITDATA, sk);
	sk_wait_event(sk, timeo, rf_rx_wakeable(sk, rf), &wait);
	sk_clear_bit(SOCKWQ_ASYNC_WAITDATA, sk);
	remove_wait_queue(sk_sleep(sk), &wait);
	return 0;
}

/*
 * The record at the head is complete but has an empty payload, and the
 * user does not read headers: a 0-byte read would look like end of stream,
 * so it is consumed here.
 */
static bool rf_rx_skip_empty(struct sock *sk, struct rf_sock *rf)
{
	struct rf_rx_ctx *rx = &rf->rx;
	u32 len;

	if (rx->want_hdr || rx->st.payload_len)
		return false;
	len = rf_rx_record_len(&rx->st, &rf->fmt) - rx->st.off;
	rf_rx_take(sk, rf, len);
	rf->stats.rx_empty++;
	rf_stat_inc(sk, RF_STAT_RX_EMPTY);
	return true;
}

/* Payload bytes handed to the user, and a record when @eor ends one. */
void rf_rx_account(struct sock *sk, struct rf_sock *rf, u32 n, bool eor)
{
	rf->rx.started = true;
	rf->stats.rx_bytes += n;
	rf_stat_add(sk, RF_STAT_RX_BYTES, n);
	if (eor) {
		rf->stats.rx_records++;
		rf_stat_inc(sk, RF_STAT_RX_RECORDS);
	}
}

static int rf_copy_msg_actor(struct sk_buff *skb, u32 off, u32 len,
			     void *arg)
{
	int err = skb_copy_datagram_msg(skb, off, arg, len);

	return err ? err : len;
}

int rf_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
	       int *addr_len)
{
	struct rf_sock *rf = rf_sk(sk);
	struct rf_rx_ctx *rx = &rf->rx;
	bool peek = flags & MSG_PEEK;
	bool eor = false;
	size_t copied = 0;
	int type = -1;
	int target;
	long timeo;
	int err = 0;

	/* Urgent data and the error queue are TCP's business. */
	if (unlikely(flags & (MSG_ERRQUEUE | MSG_OOB)) ||
	    rf->rx_mode == RF_MODE_NONE)
		return rf->sk_proto->recvmsg(sk, msg, len, flags, addr_len);
	if (rf->rx_mode == RF_MODE_TLS)
		return rf_tls_recvmsg(sk, msg, len, flags);

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	while (copied < len) {
		u32 skip, n, left;

		rf_rx_parse(sk, rf);
		if (!rx->ready) {
			if (copied >= target)
				break;
			/* As TCP: an error waits for the next call once data went. */
			if (copied && (READ_ONCE(sk->sk_err) ||
				       (sk->sk_shutdown & RCV_SHUTDOWN)))
				break;
			err = rf_rx_wait(sk, rf, &timeo);
			if (err)
				break;
			continue;
		}
		if (rf_rx_skip_empty(sk, rf))
			continue;
		/* One call never hands out records of two types. */
		if (type >= 0 && rx->st.type != type)
			break;
		if (type < 0) {
			type = rx->st.type;
			if (rf->fmt.has_type)
				put_cmsg(msg, SOL_RECFRAME, RECFRAME_RECORD_TYPE,
					 sizeof(rx->st.type), &rx->st.type);
		}

		rf_rx_plan(&rx->st, &rf->fmt, rx->want_hdr, len - copied,
			   &skip, &n);
		left = rf_rx_record_len(&rx->st, &rf->fmt) - rx->st.off;
		if (skip && !peek) {
			rf_rx_take(sk, rf, skip);
			left -= skip;
			skip = 0;
		}
		if (!(flags & MSG_TRUNC) && n) {
			int got = rf_rx_walk(sk, rf, skip, n,
					     rf_copy_msg_actor, msg);

			if (got < 0) {
				err = got;
				break;
			}
			n = got;
		}
		copied += n;
		eor = n + skip == left;
		if (peek)
			break;
		rf_rx_take(sk, rf, n);
		rf_rx_account(sk, rf, n, eor);
		if (!eor || copied >= target)
			break;
	}
	if (eor)
		msg->msg_flags |= MSG_EOR;

	release_sock(sk);
	if (copied)
		return copied;
	return err > 0 ? 0 : err;
}

struct rf_splice_ctx {
	struct pipe_inode_info	*pipe;
	struct sock		*sk;
	unsigned int		flags;
};

static int rf_splice_actor(struct sk_buff *skb, u32 off, u32 len, void *arg)
{
	struct rf_splice_ctx *sc = arg;

	return skb_splice_bits(skb, sc->sk, off, sc->pipe, len, sc->flags);
}

ssize_t rf_splice_read(struct socket *sock, loff_t *ppos,
		       struct pipe_inode_info *pipe, size_t len,
		       unsigned int flags)
{
	struct rf_splice_ctx sc = { .pipe = pipe, .sk = sock->sk,
				    .flags = flags };
	struct sock *sk = sock->sk;
	struct rf_sock *rf = rf_sk(sk);
	struct rf_rx_ctx *rx = &rf->rx;
	u32 skip, n;
	bool nonblock;
	int got = 0;
	long timeo;
	int err;

	if (rf->rx_mode == RF_MODE_NONE)
		return rf->sk_ops->splice_read(sock, ppos, pipe, len, flags);

	lock_sock(sk);
	nonblock = (sock->file->f_flags & O_NONBLOCK) ||
		   (flags & SPLICE_F_NONBLOCK);
	timeo = sock_rcvtimeo(sk, nonblock);
	if (rf->rx_mode == RF_MODE_TLS) {
		got = rf_tls_splice_read(sk, pipe, len, flags, timeo);
		goto out;
	}
	for (;;) {
		rf_rx_parse(sk, rf);
		if (rx->ready) {
			if (rf_rx_skip_empty(sk, rf))
				continue;
			break;
		}
		err = rf_rx_wait(sk, rf, &timeo);
		if (err) {
			got = err > 0 ? 0 : err;
			goto out;
		}
	}

	rf_rx_plan(&rx->st, &rf->fmt, rx->want_hdr, len, &skip, &n);
	if (skip)
		rf_rx_take(sk, rf, skip);
	got = rf_rx_walk(sk, rf, 0, n, rf_splice_actor, &sc);
	if (got > 0)
		rf_rx_account(sk, rf, got, rf_rx_take(sk, rf, got));
out:
	release_sock(sk);
	return got;
}

__poll_t rf_poll(struct file *file, struct socket *sock,
		 struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	struct rf_sock *rf = rf_sk(sk);
	__poll_t mask;

	mask = rf->sk_ops->poll(file, sock, wait);

	/* A record TCP has not fully taken blocks further sends. */
	if (READ_ONCE(rf->tx.pending))
		mask &= ~(EPOLLOUT | EPOLLWRNORM);
	if (READ_ONCE(rf->rx_mode) == RF_MODE_NONE)
		return mask;

	/*
	 * TCP says readable for any byte it holds; recframe decides by
	 * itself: a whole record (possibly moved out of TCP's queue by the
	 * copy fallback), an error to report, or the end of the stream.
	 */
	mask &= ~(EPOLLIN | EPOLLRDNORM);
	if (READ_ONCE(rf->rx.st.state) == RF_RX_ERR)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLERR;
	else if (READ_ONCE(rf->rx.ready) ||
		 (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

void rf_rx_init(struct rf_sock *rf)
{
	__skb_queue_head_init(&rf->rx.copyq);
	INIT_WORK(&rf->rx.work, rf_rx_work);
}

/* After the work was cancelled; frees what the copy fallback holds. */
void rf_rx_release(struct rf_sock *rf)
{
	__skb_queue_purge(&rf->rx.copyq);
	rf->rx.copy_len = 0;
	rf->rx.copy_off = 0;
}
