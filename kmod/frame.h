/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record framing logic of recframe, free of sockets and skbs so that the
 * same code builds in the kernel and in userspace unit tests and fuzzers.
 */
#ifndef _RECFRAME_FRAME_H
#define _RECFRAME_FRAME_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <linux/types.h>

/* The uapi __u8 etc. keep checkpatch quiet and match stdint in size. */
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#include <linux/recframe.h>

#define RF_TLS_HDR_LEN		5
#define RF_TLS_MAX_DEFAULT	16384
/* The TLS length field is two bytes. */
#define RF_TLS_MAX_LIMIT	65535
#define RF_TLS_VERSION_MAJOR	0x03
#define RF_TLS_VERSION_MINOR	0x03

/*
 * Validated record format. Only rf_format_default() and
 * rf_format_from_user() produce one; the rest of the code relies on their
 * checks (fields inside the header, max_record expressible on transmit).
 */
struct rf_format {
	u8	hdr_len;
	u8	len_off;
	u8	len_size;
	u8	type_off;
	bool	little_endian;
	bool	has_type;
	u8	format;		/* enum recframe_format */
	s32	len_adjust;
	u32	max_record;
	u8	tx_template[RECFRAME_HDR_MAX];
};

void rf_format_default(struct rf_format *f);
int rf_format_from_user(struct rf_format *f, const struct recframe_framing *u);
void rf_format_to_user(const struct rf_format *f, struct recframe_framing *u);
bool rf_format_fits(const struct rf_format *f);

int rf_hdr_parse(const struct rf_format *f, const u8 *hdr, u32 *payload_len,
		 u8 *type);
int rf_hdr_build(const struct rf_format *f, u8 *hdr, u8 type, u32 payload_len);

enum {
	RF_RX_HDR = 0,	/* zero, so that a zeroed rf_rx is a reset one */
	RF_RX_BODY,
	RF_RX_ERR,
};

/*
 * Receive position within the stream of records. off counts the bytes of
 * the current record handed out or skipped so far, header included.
 */
struct rf_rx {
	u32	payload_len;
	u32	off;
	u8	type;
	u8	state;
	s32	err;		/* negative errno once in RF_RX_ERR */
};

void rf_rx_reset(struct rf_rx *rx);
int rf_rx_header(struct rf_rx *rx, const struct rf_format *f, const u8 *hdr);
u32 rf_rx_record_len(const struct rf_rx *rx, const struct rf_format *f);
bool rf_rx_complete(const struct rf_rx *rx, const struct rf_format *f,
		    u64 avail);
void rf_rx_plan(const struct rf_rx *rx, const struct rf_format *f,
		bool want_hdr, size_t user_len, u32 *skip, u32 *copy);
bool rf_rx_consume(struct rf_rx *rx, const struct rf_format *f, u32 n);

#endif /* _RECFRAME_FRAME_H */
