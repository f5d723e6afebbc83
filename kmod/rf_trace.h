/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of recframe, under events/recframe/ in tracefs:
 *
 *	perf record -e 'recframe:*' -a
 *	bpftrace -e 'tracepoint:recframe:recframe_rx_record { @[args->type] = count(); }'
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM recframe

#if !defined(_RECFRAME_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RECFRAME_TRACE_H

#include <linux/tracepoint.h>
#include <net/inet_sock.h>

DECLARE_EVENT_CLASS(recframe_record,
	TP_PROTO(const struct sock *sk, u8 type, u32 len),
	TP_ARGS(sk, type, len),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u16, sport)
		__field(u16, dport)
		__field(u8, type)
		__field(u32, len)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->sport = ntohs(inet_sk(sk)->inet_sport);
		__entry->dport = ntohs(inet_sk(sk)->inet_dport);
		__entry->type = type;
		__entry->len = len;
	),
	TP_printk("sk=%p sport=%u dport=%u type=%u len=%u",
		  __entry->skaddr, __entry->sport, __entry->dport,
		  __entry->type, __entry->len)
);

/* A record was handed to the user whole (framing) or decrypted (TLS). */
DEFINE_EVENT(recframe_record, recframe_rx_record,
	TP_PROTO(const struct sock *sk, u8 type, u32 len),
	TP_ARGS(sk, type, len)
);

/* A record was closed (and encrypted) and queued for TCP. */
DEFINE_EVENT(recframe_record, recframe_tx_record,
	TP_PROTO(const struct sock *sk, u8 type, u32 len),
	TP_ARGS(sk, type, len)
);

DECLARE_EVENT_CLASS(recframe_error,
	TP_PROTO(const struct sock *sk, int err),
	TP_ARGS(sk, err),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u16, sport)
		__field(u16, dport)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->sport = ntohs(inet_sk(sk)->inet_sport);
		__entry->dport = ntohs(inet_sk(sk)->inet_dport);
		__entry->err = err;
	),
	TP_printk("sk=%p sport=%u dport=%u err=%d", __entry->skaddr,
		  __entry->sport, __entry->dport, __entry->err)
);

/* The framer stopped on a bad header or a truncated record. */
DEFINE_EVENT(recframe_error, recframe_framing_error,
	TP_PROTO(const struct sock *sk, int err),
	TP_ARGS(sk, err)
);

/* A TLS record failed authentication. */
DEFINE_EVENT(recframe_error, recframe_decrypt_error,
	TP_PROTO(const struct sock *sk, int err),
	TP_ARGS(sk, err)
);

TRACE_EVENT(recframe_rekey,
	TP_PROTO(const struct sock *sk, bool tx),
	TP_ARGS(sk, tx),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(bool, tx)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->tx = tx;
	),
	TP_printk("sk=%p dir=%s", __entry->skaddr, __entry->tx ? "tx" : "rx")
);

#endif /* _RECFRAME_TRACE_H */

/* Out of the kernel tree: the header is found through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rf_trace
#include <trace/define_trace.h>
