// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options at SOL_RECFRAME. Everything else goes to TCP.
 *
 * Both directions take the socket lock: the options read and replace state
 * the data path uses, and getsockopt must not see it half written.
 */
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <net/tcp.h>

#include "recframe.h"

/* struct recframe_info up to and including rx_error. */
#define RF_INFO_MIN_LEN	offsetofend(struct recframe_info, rx_error)

static bool rf_data_flowed(const struct rf_sock *rf)
{
	return rf->rx.started || rf->stats.tx_records || rf->tx.open ||
	       rf->tx.pending;
}

static int rf_set_framing(struct sock *sk, struct rf_sock *rf,
			  sockptr_t optval, unsigned int optlen)
{
	struct recframe_framing uf;
	struct rf_format fmt;
	int err;

	if (optlen != sizeof(uf))
		return -EINVAL;
	if (copy_from_sockptr(&uf, optval, sizeof(uf)))
		return -EFAULT;
	err = rf_format_from_user(&fmt, &uf);
	if (err)
		return err;
	if (fmt.max_record > READ_ONCE(rf_net(sock_net(sk))->cfg.record_limit))
		return -EINVAL;

	lock_sock(sk);
	/* TLS mode has its own record format; data flowing fixes the framing. */
	if (rf->tx_mode == RF_MODE_TLS || rf->rx_mode == RF_MODE_TLS ||
	    rf_data_flowed(rf)) {
		err = -EINVAL;
		goto out;
	}
	err = rf_tx_resize(rf, &fmt);
	if (err)
		goto out;
	rf->fmt = fmt;
	rf->tx_mode = RF_MODE_FRAMING;
	WRITE_ONCE(rf->rx_mode, RF_MODE_FRAMING);
	/* What is queued was parsed with the old format: start over. */
	rf_rx_reparse(sk, rf);
	if (rf->rx.ready)
		rf->saved_data_ready(sk);
out:
	release_sock(sk);
	return err;
}

/*
 * Change the record size limit of a live socket (the control plane's
 * "socket set"). Unlike the framing, it may change after data flowed:
 * it applies to headers parsed and records started from now on. A record
 * being built that is already larger makes it EBUSY, and so does a sender
 * handing a record to TCP: it released the socket inside TCP and still
 * walks the fragment array a resize would replace.
 */
int rf_set_max_record(struct sock *sk, u32 max_record)
{
	struct rf_sock *rf;
	struct rf_format fmt;
	int err;

	lock_sock(sk);
	rf = rf_sk(sk);
	err = -ENOENT;
	if (!rf || rf->closing)
		goto out;
	fmt = rf->fmt;
	fmt.max_record = max_record;
	err = -EINVAL;
	if (!max_record ||
	    max_record > READ_ONCE(rf_net(sock_net(sk))->cfg.record_limit) ||
	    !rf_format_fits(&fmt))
		goto out;
	err = -EBUSY;
	if (rf->tx.pushing ||
	    ((rf->tx.open || rf->tx.pending) &&
	     rf->tx.payload_len > max_record))
		goto out;
	err = rf_tx_resize(rf, &fmt);
	if (err)
		goto out;
	rf->fmt.max_record = max_record;
out:
	release_sock(sk);
	return err;
}

static int rf_set_rx_header(struct sock *sk, struct rf_sock *rf,
			    sockptr_t optval, unsigned int optlen)
{
	int val;

	if (optlen != sizeof(val))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val != 0 && val != 1)
		return -EINVAL;
	lock_sock(sk);
	rf->rx.want_hdr = val;
	release_sock(sk);
	return 0;
}

int rf_setsockopt(struct sock *sk, int level, int optname,
		  sockptr_t optval, unsigned int optlen)
{
	struct rf_sock *rf = rf_sk(sk);

	if (level == SOL_TLS)
		return rf_tls_setsockopt(sk, optname, optval, optlen);
	if (level != SOL_RECFRAME)
		return rf->sk_proto->setsockopt(sk, level, optname, optval,
						optlen);
	switch (optname) {
	case RECFRAME_FRAMING:
		return rf_set_framing(sk, rf, optval, optlen);
	case RECFRAME_RX_HEADER:
		return rf_set_rx_header(sk, rf, optval, optlen);
	default:
		return -ENOPROTOOPT;
	}
}

static void rf_fill_info(const struct rf_sock *rf, struct recframe_info *ri)
{
	const struct rf_sock_stats *s = &rf->stats;

	memset(ri, 0, sizeof(*ri));
	if (rf->rx.ready)
		ri->state |= RECFRAME_STATE_RX_READY;
	if (rf->rx.st.state == RF_RX_ERR) {
		ri->state |= RECFRAME_STATE_RX_ERROR;
		ri->rx_error = rf->rx.st.err;
	}
	if (rf->tx.open)
		ri->state |= RECFRAME_STATE_TX_OPEN;
	ri->rx_records = s->rx_records;
	ri->rx_bytes = s->rx_bytes;
	ri->tx_records = s->tx_records;
	ri->tx_bytes = s->tx_bytes;
	ri->rx_copy_fallback = s->rx_copy_fallback;
	ri->tx_alloc = s->tx_alloc;
	/* What the next read can return: the decrypted record in TLS mode. */
	if (rf->rx_mode == RF_MODE_TLS)
		ri->rx_queued = rf->tls->clear_valid ?
				rf->tls->clear_len - rf->tls->clear_off : 0;
	else if (rf->rx.ready)
		ri->rx_queued = rf_rx_record_len(&rf->rx.st, &rf->fmt) -
				rf->rx.st.off;
	ri->rx_empty = s->rx_empty;
	ri->err_msgsize = s->err_msgsize;
	ri->err_badmsg = s->err_badmsg;
	ri->err_badversion = s->err_badversion;
	ri->err_truncated = s->err_truncated;
	ri->mode = rf->rx_mode | rf->tx_mode << 8;
	ri->tls_version = rf->tls_version;
	ri->tls_cipher = rf->tls_cipher;
	ri->tls_tx_records = s->tls_tx_records;
	ri->tls_rx_records = s->tls_rx_records;
	ri->tls_decrypt_errors = s->tls_decrypt_err;
	ri->tls_rekeys = s->tls_rekey;
	ri->tls_rx_zerocopy = s->tls_rx_zc;
	ri->tls_rx_clear = s->tls_rx_clear;
	ri->tls_tx_inplace = s->tls_tx_inplace;
	ri->tls_tx_outofplace = s->tls_tx_oop;
	ri->rx_window_updates = s->rx_window_updates;
}

int rf_getsockopt(struct sock *sk, int level, int optname,
		  char __user *optval, int __user *optlen)
{
	struct rf_sock *rf = rf_sk(sk);
	union {
		struct recframe_framing	framing;
		struct recframe_info	info;
		int			val;
	} u;
	unsigned int size, min;
	int len;

	if (level == SOL_TLS)
		return rf_tls_getsockopt(sk, optname, optval, optlen);
	if (level != SOL_RECFRAME)
		return rf->sk_proto->getsockopt(sk, level, optname, optval,
						optlen);
	if (get_user(len, optlen))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case RECFRAME_FRAMING:
		rf_format_to_user(&rf->fmt, &u.framing);
		size = sizeof(u.framing);
		min = size;
		break;
	case RECFRAME_RX_HEADER:
		u.val = rf->rx.want_hdr;
		size = sizeof(u.val);
		min = size;
		break;
	case RECFRAME_INFO:
		rf_fill_info(rf, &u.info);
		size = sizeof(u.info);
		min = RF_INFO_MIN_LEN;
		break;
	default:
		release_sock(sk);
		return -ENOPROTOOPT;
	}
	release_sock(sk);

	if (len < 0 || len < min)
		return -EINVAL;
	size = min_t(unsigned int, len, size);
	if (copy_to_user(optval, &u, size) || put_user(size, optlen))
		return -EFAULT;
	return 0;
}
