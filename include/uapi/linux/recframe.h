/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * recframe: a record layer for TCP sockets, run by the kernel.
 *
 * A program attaches recframe to an ESTABLISHED TCP socket:
 *
 *	setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe"));
 *
 * Attaching alone changes nothing: the socket still reads and writes plain
 * TCP, as a kTLS socket does before TLS_TX/TLS_RX, so a program may finish
 * a handshake on it. Each direction starts framing once configured:
 *
 *  - RECFRAME_FRAMING (below) turns both directions into plaintext records
 *    of a length-prefixed format;
 *  - setsockopt(SOL_TLS, TLS_TX or TLS_RX) with kTLS's structures from
 *    <linux/tls.h> turns that direction into TLS 1.2/1.3 records, exactly
 *    as with the "tls" ULP (see Documentation/recframe.rst, TLS mode).
 *
 * The two modes exclude each other (EINVAL). In either, the byte stream is a
 * sequence of records: a header of fixed size followed by a payload whose
 * length the header carries. The kernel parses headers straight off the TCP
 * receive queue and hands out one record at a time; on transmit it cuts
 * sends into records.
 *
 * Record format
 * -------------
 * The format is chosen with RECFRAME_FRAMING before the first byte is sent
 * or received. Two layouts exist:
 *
 * RECFRAME_FORMAT_TLS: the TLS record header in plaintext, 5 bytes:
 *	type (1), version (2, 0x03 0x03 on transmit), length (2, big endian).
 *	The length counts the payload only. A received header whose first
 *	version byte is not 0x03 is malformed (EINVAL, as kTLS reports it).
 *
 * RECFRAME_FORMAT_LENGTH: a generic length prefix. The header is hdr_len
 *	bytes. It holds a length field of len_size bytes (1, 2, 3, 4 or 8) at
 *	byte offset len_off, big endian unless RECFRAME_F_LITTLE_ENDIAN, and
 *	optionally a record type byte at type_off (RECFRAME_F_TYPE). The
 *	payload length is the field's value plus len_adjust; a negative
 *	result is a malformed header (EBADMSG). Header bytes that are neither
 *	length nor type are written as zero and ignored on receive.
 *
 *	  4-byte big-endian length counting itself (libvirt RPC):
 *		hdr_len 4, len_off 0, len_size 4, len_adjust -4
 *	  4-byte big-endian length not counting itself (Kafka):
 *		hdr_len 4, len_off 0, len_size 4, len_adjust 0
 *	  2-byte length (DNS over TCP):
 *		hdr_len 2, len_off 0, len_size 2, len_adjust 0
 *
 * In both formats max_record bounds the payload of one record, in both
 * directions: a received header announcing more is a fatal EMSGSIZE, a send
 * that would need a larger record fails with EMSGSIZE.
 *
 * Receive semantics
 * -----------------
 * The framer starts at the first unread byte when the direction is
 * configured: bytes already queued then are parsed as records too.
 *
 * recv()/read() never returns part of a record before the whole record has
 * arrived, and poll() reports EPOLLIN only for a complete record (or for
 * end of stream, or an error to report). One recvmsg() returns data of one
 * record; MSG_EOR in msg_flags says the last byte of that record was
 * returned. A buffer shorter than the record gets its first bytes, and the
 * next call continues where this one stopped. With RECFRAME_F_TYPE or the
 * TLS format the record type comes as a RECFRAME_RECORD_TYPE cmsg (one
 * byte) at level SOL_RECFRAME; without cmsg room it is simply not passed.
 *
 * Flags, as a TCP user expects them:
 *	MSG_PEEK	returns bytes of the current record without consuming
 *			them; repeated peeks return the same bytes.
 *	MSG_WAITALL	keeps reading whole records, of the same type only,
 *			until the buffer is full; SO_RCVLOWAT likewise waits
 *			until that many bytes were returned. Both stop early
 *			at a type change, end of stream or an error.
 *	MSG_TRUNC	discards the bytes instead of copying them.
 *	MSG_DONTWAIT	EAGAIN while no complete record is there.
 * SO_RCVTIMEO bounds the wait as for TCP. A record with an empty payload is
 * consumed without being returned, since a read of 0 bytes means end of
 * stream; with RECFRAME_RX_HEADER its header is returned like any other.
 * splice() from the socket moves the current record's bytes (payload only,
 * unless RECFRAME_RX_HEADER) into the pipe without copying them, at most
 * one record per call.
 *
 * Errors on receive are sticky: once the framer has seen a bad header it
 * stops parsing, complete records queued before it are still delivered,
 * and then every read reports the error, and poll() EPOLLIN | EPOLLERR:
 *	EMSGSIZE	payload length above max_record.
 *	EBADMSG		malformed generic header (negative payload length).
 *	EINVAL		TLS format header with a bad version byte.
 *	EPROTO		the peer closed the stream (FIN) in the middle of a
 *			record (a clean FIN between records reads as EOF, 0),
 *			or bytes vanished from under the framer (see urgent
 *			data below).
 * TCP's own errors (ECONNRESET...) are reported as TCP reports them.
 *
 * Urgent data (MSG_OOB) has no place in a record stream: configuring
 * receive sets SO_OOBINLINE, so urgent bytes stay in the records. If a
 * program clears it again, TCP may skip an urgent byte under the framer;
 * the framer notices bytes vanishing and stops with EPROTO.
 *
 * Transmit semantics
 * ------------------
 * Every send() without MSG_MORE ends a record: a message is a record.
 * MSG_MORE keeps the record open for the next send; shutdown(SHUT_WR) and
 * close() flush an open record. A send that would make the record larger
 * than max_record fails with EMSGSIZE and sends nothing. The record type
 * of a send is given with a RECFRAME_RECORD_TYPE cmsg (default:
 * RECFRAME_TYPE_DEFAULT; EINVAL when the format has no type byte); a send
 * of another type than the open record closes the open record first.
 * sendfile() and splice() into the socket reference the file's pages: the
 * data is not copied, records are cut at max_record and the last one is
 * closed when the call ends (unless SPLICE_F_MORE).
 * Blocking, SO_SNDTIMEO, SO_SNDBUF, EPIPE and SIGPIPE (MSG_NOSIGNAL) work
 * as for TCP; a non-blocking send either takes the whole message or fails
 * with EAGAIN.
 *
 * Socket options at level SOL_RECFRAME
 * -------------------------------------
 * RECFRAME_FRAMING may be changed until the first record was sent or a
 * byte was returned to the user; after that it is EINVAL, and so it is
 * once TLS_TX or TLS_RX was set. Setting it re-parses what is already
 * queued with the new format. Before it is set, getsockopt returns the
 * format it would default to (TLS, max_record 16384).
 * RECFRAME_RX_HEADER takes an int, 0 or 1 (EINVAL for anything else).
 * RECFRAME_INFO is read only (setsockopt: ENOPROTOOPT, as for unknown
 * options). A getsockopt optlen too short for the option is EINVAL; for
 * RECFRAME_INFO that is below 8 bytes, and a longer one gets the prefix
 * that fits.
 */
#ifndef _UAPI_LINUX_RECFRAME_H
#define _UAPI_LINUX_RECFRAME_H

#include <linux/types.h>

/* Not allocated upstream; chosen far away from the kernel's SOL_* range. */
#define SOL_RECFRAME		0x5246

#define RECFRAME_ULP_NAME	"recframe"

enum {
	/* struct recframe_framing; set before data flows, get any time. */
	RECFRAME_FRAMING	= 1,
	/* int 0/1: recv returns the header bytes before each payload. */
	RECFRAME_RX_HEADER	= 2,
	/* struct recframe_info, read only. */
	RECFRAME_INFO		= 3,
};

/* cmsg type at SOL_RECFRAME: the record type, one byte. */
#define RECFRAME_RECORD_TYPE	1

/* Type of records sent without a type cmsg (TLS application_data). */
#define RECFRAME_TYPE_DEFAULT	23

enum recframe_format {
	RECFRAME_FORMAT_TLS	= 1,
	RECFRAME_FORMAT_LENGTH	= 2,
};

#define RECFRAME_F_LITTLE_ENDIAN	0x01
#define RECFRAME_F_TYPE			0x02
#define RECFRAME_F_ALL			(RECFRAME_F_LITTLE_ENDIAN | \
					 RECFRAME_F_TYPE)

#define RECFRAME_HDR_MAX		16
/* Largest max_record accepted, in payload bytes. */
#define RECFRAME_RECORD_LIMIT		(1U << 20)

/*
 * For RECFRAME_FORMAT_TLS every field but format and max_record must be
 * zero (the kernel fills them in). max_record 0 picks the default, 16384.
 * Invalid combinations are rejected with EINVAL: hdr_len 0 or above
 * RECFRAME_HDR_MAX, a length or type field outside the header, the two
 * overlapping, len_size not in {1, 2, 3, 4, 8}, unknown flags, non-zero
 * reserved bytes, max_record 0 or above RECFRAME_RECORD_LIMIT, or a
 * max_record the length field cannot express.
 */
struct recframe_framing {
	__u8	format;		/* enum recframe_format */
	__u8	hdr_len;
	__u8	len_off;
	__u8	len_size;
	__u8	type_off;
	__u8	flags;		/* RECFRAME_F_* */
	__u16	reserved;
	__s32	len_adjust;
	__u32	max_record;
};

/*
 * Per-socket state and counters. Later kernels of recframe may append
 * fields; a shorter optlen returns a prefix, the returned optlen says how
 * much was written.
 */
struct recframe_info {
	__u32	state;		/* RECFRAME_STATE_* */
	__s32	rx_error;	/* sticky receive error, negative errno or 0 */
	__u64	rx_records;
	__u64	rx_bytes;	/* payload bytes handed to the user */
	__u64	tx_records;
	__u64	tx_bytes;	/* payload bytes queued to TCP */
	__u64	rx_copy_fallback; /* records copied out of the TCP queue */
	__u64	tx_alloc;	/* page allocations on the transmit path */
	__u64	rx_queued;	/* bytes of complete records waiting */
	__u64	rx_empty;	/* empty records consumed silently */
	__u64	err_msgsize;	/* EMSGSIZE: record above max_record */
	__u64	err_badmsg;	/* EBADMSG: malformed header */
	__u64	err_badversion;	/* EINVAL: TLS header with a bad version */
	__u64	err_truncated;	/* EPROTO: FIN inside a record */
	/* Low byte: receive mode, next byte: transmit (enum recframe_mode). */
	__u32	mode;
	__u16	tls_version;	/* TLS_1_2_VERSION, TLS_1_3_VERSION or 0 */
	__u16	tls_cipher;	/* TLS_CIPHER_* or 0 */
	__u64	tls_tx_records;	/* records encrypted */
	__u64	tls_rx_records;	/* records decrypted */
	__u64	tls_decrypt_errors;
	__u64	tls_rekeys;
	__u64	tls_rx_zerocopy; /* decrypted into the user's buffer */
	__u64	tls_rx_clear;	/* decrypted into the socket's clear buffer */
	__u64	tls_tx_inplace;	/* encrypted in the pages sent */
	__u64	tls_tx_outofplace; /* encrypted from sendfile's pages */
	__u64	rx_window_updates; /* window updates sent for a record */
};

#define RECFRAME_STATE_RX_READY		0x01	/* a complete record waits */
#define RECFRAME_STATE_RX_ERROR		0x02	/* the parser stopped */
#define RECFRAME_STATE_TX_OPEN		0x04	/* a MSG_MORE record is open */

/* ------------------------------------------------ Generic netlink family -- */

/*
 * Generic netlink family "recframe", version 1
 * ---------------------------------------------
 * The control plane of one network namespace: the requests see and change
 * only the recframe sockets, counters and defaults of the namespace of the
 * netlink socket they are sent on. Requests marked (admin) need
 * CAP_NET_ADMIN in the user namespace owning that network namespace, as
 * does joining the "events" multicast group; otherwise EPERM.
 *
 * Every request is validated strictly: an attribute the command does not
 * take, an attribute of the wrong type or length, bytes after the last
 * attribute and a missing required attribute are EINVAL, a value outside
 * its range is ERANGE, each with an extended ACK message (set
 * NETLINK_EXT_ACK) naming the problem and, where there is one, the
 * offending attribute. An unknown command is EOPNOTSUPP. Integers are in
 * host byte order, addresses in network byte order. Replies may gain
 * attributes in later versions: readers skip those they do not know.
 *
 * RECFRAME_CMD_STATS_GET: no attributes. Reply:
 *	RECFRAME_A_STATS	nest: the namespace's counters,
 *				RECFRAME_STAT_A_* (u64 each)
 *
 * RECFRAME_CMD_STATS_RESET (admin): no attributes. Zeroes every counter
 *	but RECFRAME_STAT_A_CURR_SOCKETS.
 *
 * RECFRAME_CMD_SOCK_GET, as a dump (NLM_F_DUMP): one message per socket;
 *	each optional request attribute restricts the dump:
 *	RECFRAME_A_COOKIE	u64: only the socket with this SO_COOKIE
 *	RECFRAME_A_FILTER_PORT	u16, 1-65535: local or remote port
 *	RECFRAME_A_FILTER_ADDR	4 or 16 bytes: local or remote address; an
 *				IPv4 address also matches its IPv4-mapped
 *				IPv6 form and the other way round
 *   As a request (no NLM_F_DUMP): RECFRAME_A_COOKIE is required, the
 *	filters are refused; ENOENT if no recframe socket has the cookie.
 *   Each socket's message holds:
 *	RECFRAME_A_COOKIE	u64, the socket's SO_COOKIE
 *	RECFRAME_A_FAMILY	u8, AF_INET or AF_INET6
 *	RECFRAME_A_SADDR	4 (AF_INET) or 16 (AF_INET6) bytes
 *	RECFRAME_A_DADDR	4 or 16 bytes
 *	RECFRAME_A_SPORT	u16
 *	RECFRAME_A_DPORT	u16
 *	RECFRAME_A_TCP_STATE	u8, TCP_ESTABLISHED...
 *	RECFRAME_A_UID		u32, owner of the socket
 *	RECFRAME_A_INODE	u64, inode number of the socket
 *	RECFRAME_A_MODE		u8, enum recframe_mode of the receive side
 *	RECFRAME_A_TX_MODE	u8, enum recframe_mode of the transmit side
 *	RECFRAME_A_FRAMING	nest, RECFRAME_FRAMING_A_*: the record format
 *	RECFRAME_A_MAX_RECORD	u32, largest record payload, both directions
 *	RECFRAME_A_RX_HEADER	u8, 0 or 1: RECFRAME_RX_HEADER
 *	RECFRAME_A_TLS_VERSION	u16, 0x0303 or 0x0304; 0 if no TLS
 *	RECFRAME_A_TLS_CIPHER	u16, TLS_CIPHER_* of linux/tls.h; 0 if no TLS
 *	RECFRAME_A_STATE	u32, RECFRAME_STATE_* flags
 *	RECFRAME_A_RX_ERROR	u32, sticky receive error (positive errno), 0
 *	RECFRAME_A_RX_QUEUED	u32, bytes received and not yet read
 *	RECFRAME_A_TX_QUEUED	u32, bytes sent and not yet acknowledged
 *	RECFRAME_A_STATS	nest, the socket's counters, RECFRAME_STAT_A_*
 *				(all but RECFRAME_STAT_A_CURR_SOCKETS)
 *   Secret material (keys, IVs, sequence numbers) is never reported. A dump
 *   reports every socket present from its start to its end exactly once.
 *   If sockets were attached or closed while it ran, at least one of its
 *   messages (at the latest NLMSG_DONE) carries NLM_F_DUMP_INTR.
 *
 * RECFRAME_CMD_SOCK_SET (admin): change a live socket's tunables.
 *	RECFRAME_A_COOKIE	u64, required
 *	RECFRAME_A_MAX_RECORD	u32, 1 to RECFRAME_RECORD_LIMIT, at most the
 *				namespace's record limit and what the length
 *				field expresses (EINVAL); EBUSY while an open
 *				record is already larger, or while a sender
 *				is handing a record to TCP
 *	RECFRAME_A_RX_HEADER	u8, 0 or 1
 *   At least one of the last two is required. ENOENT for an unknown cookie.
 *
 * RECFRAME_CMD_SOCK_ABORT (admin): RECFRAME_A_COOKIE (u64) required. The
 *	socket's blocked and future calls fail with ECONNABORTED and the peer
 *	gets a reset. ENOENT for an unknown cookie.
 *
 * RECFRAME_CMD_CONFIG_GET: no attributes. RECFRAME_CMD_CONFIG_SET (admin):
 *	any of the following; the reply to GET holds all of them.
 *	RECFRAME_A_CFG_DEFAULT_MAX_RECORD  u32, 1-65535: max_record of new
 *				sockets' default (TLS) framing
 *	RECFRAME_A_CFG_RECORD_LIMIT	u32, 1 to RECFRAME_RECORD_LIMIT: upper
 *				bound of any max_record set from now on
 *	RECFRAME_A_CFG_UNPRIV_ATTACH	u8, 0 or 1: whether users without
 *				CAP_NET_ADMIN may attach recframe
 *   The default may not exceed the limit (EINVAL). Existing sockets keep
 *   their settings.
 *
 * RECFRAME_CMD_EVENT: notifications to the "events" group, never requests.
 *	RECFRAME_A_EVENT	u8, enum recframe_event
 *	RECFRAME_A_COOKIE	u64
 *	RECFRAME_A_ERRNO	u32, positive errno of an error event, else 0
 *	RECFRAME_A_FAMILY, _SADDR, _DADDR, _SPORT, _DPORT as above
 *   Events are best effort: one that does not fit in the listener's
 *   receive buffer is lost (the listener gets ENOBUFS).
 */
#define RECFRAME_GENL_NAME		"recframe"
#define RECFRAME_GENL_VERSION		1
#define RECFRAME_GENL_MCGRP_EVENTS	"events"

enum recframe_cmd {
	RECFRAME_CMD_UNSPEC,
	RECFRAME_CMD_STATS_GET,
	RECFRAME_CMD_STATS_RESET,
	RECFRAME_CMD_SOCK_GET,
	RECFRAME_CMD_SOCK_SET,
	RECFRAME_CMD_SOCK_ABORT,
	RECFRAME_CMD_CONFIG_GET,
	RECFRAME_CMD_CONFIG_SET,
	RECFRAME_CMD_EVENT,
	__RECFRAME_CMD_MAX
};

#define RECFRAME_CMD_MAX (__RECFRAME_CMD_MAX - 1)

enum recframe_attr {
	RECFRAME_A_UNSPEC,
	RECFRAME_A_PAD,
	RECFRAME_A_COOKIE,
	RECFRAME_A_FAMILY,
	RECFRAME_A_SADDR,
	RECFRAME_A_DADDR,
	RECFRAME_A_SPORT,
	RECFRAME_A_DPORT,
	RECFRAME_A_TCP_STATE,
	RECFRAME_A_UID,
	RECFRAME_A_INODE,
	RECFRAME_A_MODE,
	RECFRAME_A_FRAMING,
	RECFRAME_A_MAX_RECORD,
	RECFRAME_A_RX_HEADER,
	RECFRAME_A_TLS_VERSION,
	RECFRAME_A_TLS_CIPHER,
	RECFRAME_A_STATE,
	RECFRAME_A_RX_ERROR,
	RECFRAME_A_RX_QUEUED,
	RECFRAME_A_TX_QUEUED,
	RECFRAME_A_STATS,
	RECFRAME_A_FILTER_PORT,
	RECFRAME_A_FILTER_ADDR,
	RECFRAME_A_CFG_DEFAULT_MAX_RECORD,
	RECFRAME_A_CFG_RECORD_LIMIT,
	RECFRAME_A_CFG_UNPRIV_ATTACH,
	RECFRAME_A_EVENT,
	RECFRAME_A_ERRNO,
	RECFRAME_A_TX_MODE,
	__RECFRAME_A_MAX
};

#define RECFRAME_A_MAX (__RECFRAME_A_MAX - 1)

/* Inside RECFRAME_A_FRAMING; the fields of struct recframe_framing. */
enum recframe_framing_attr {
	RECFRAME_FRAMING_A_UNSPEC,
	RECFRAME_FRAMING_A_FORMAT,	/* u8, enum recframe_format */
	RECFRAME_FRAMING_A_HDR_LEN,	/* u8 */
	RECFRAME_FRAMING_A_LEN_OFF,	/* u8 */
	RECFRAME_FRAMING_A_LEN_SIZE,	/* u8 */
	RECFRAME_FRAMING_A_TYPE_OFF,	/* u8, only with RECFRAME_F_TYPE */
	RECFRAME_FRAMING_A_FLAGS,	/* u8, RECFRAME_F_* */
	RECFRAME_FRAMING_A_LEN_ADJUST,	/* s32 */
	__RECFRAME_FRAMING_A_MAX
};

#define RECFRAME_FRAMING_A_MAX (__RECFRAME_FRAMING_A_MAX - 1)

/* Inside RECFRAME_A_STATS; u64 each. */
enum recframe_stat_attr {
	RECFRAME_STAT_A_UNSPEC,
	RECFRAME_STAT_A_PAD,
	RECFRAME_STAT_A_CURR_SOCKETS,	/* gauge: sockets attached now */
	RECFRAME_STAT_A_RX_RECORDS,
	RECFRAME_STAT_A_RX_BYTES,
	RECFRAME_STAT_A_TX_RECORDS,
	RECFRAME_STAT_A_TX_BYTES,
	RECFRAME_STAT_A_RX_COPY_FALLBACK,
	RECFRAME_STAT_A_TX_ALLOC,
	RECFRAME_STAT_A_RX_EMPTY,
	RECFRAME_STAT_A_ERR_MSGSIZE,
	RECFRAME_STAT_A_ERR_BADMSG,
	RECFRAME_STAT_A_ERR_BADVERSION,
	RECFRAME_STAT_A_ERR_TRUNCATED,
	RECFRAME_STAT_A_TLS_TX_RECORDS,
	RECFRAME_STAT_A_TLS_RX_RECORDS,
	RECFRAME_STAT_A_TLS_DECRYPT_ERROR,
	RECFRAME_STAT_A_TLS_REKEY,
	RECFRAME_STAT_A_TLS_RX_ZEROCOPY,
	RECFRAME_STAT_A_TLS_RX_CLEAR,
	RECFRAME_STAT_A_TLS_TX_INPLACE,
	RECFRAME_STAT_A_TLS_TX_OUTOFPLACE,
	RECFRAME_STAT_A_RX_WINDOW_UPDATES,
	__RECFRAME_STAT_A_MAX
};

#define RECFRAME_STAT_A_MAX (__RECFRAME_STAT_A_MAX - 1)

enum recframe_mode {
	RECFRAME_MODE_NONE	= 0,	/* not configured: plain TCP */
	RECFRAME_MODE_FRAMING	= 1,	/* plaintext records */
	RECFRAME_MODE_TLS	= 2,	/* TLS records, encrypted by the kernel */
};

enum recframe_event {
	RECFRAME_EVENT_ATTACH		= 1,
	RECFRAME_EVENT_CLOSE		= 2,
	RECFRAME_EVENT_FRAMING_ERROR	= 3,	/* errno: as recv reports it */
	RECFRAME_EVENT_DECRYPT_ERROR	= 4,
	RECFRAME_EVENT_REKEY		= 5,
	RECFRAME_EVENT_ABORT		= 6,	/* an operator's SOCK_ABORT */
};

#endif /* _UAPI_LINUX_RECFRAME_H */
