// SPDX-License-Identifier: GPL-2.0
/*
 * recframe record framing: header formats and the record boundary state
 * machine. No socket types in here, see frame.h.
 */
#include "frame.h"

static void rf_format_tls(struct rf_format *f, u32 max_record)
{
	memset(f, 0, sizeof(*f));
	f->format = RECFRAME_FORMAT_TLS;
	f->hdr_len = RF_TLS_HDR_LEN;
	f->len_off = 3;
	f->len_size = 2;
	f->type_off = 0;
	f->has_type = true;
	f->max_record = max_record;
	f->tx_template[1] = RF_TLS_VERSION_MAJOR;
	f->tx_template[2] = RF_TLS_VERSION_MINOR;
}

void rf_format_default(struct rf_format *f)
{
	rf_format_tls(f, RF_TLS_MAX_DEFAULT);
}

static bool rf_len_size_ok(u8 size)
{
	return size == 1 || size == 2 || size == 3 || size == 4 || size == 8;
}

static u64 rf_field_max(u8 size)
{
	return size >= 8 ? ~(u64)0 : ((u64)1 << (8 * size)) - 1;
}

static int rf_format_tls_from_user(struct rf_format *f,
				   const struct recframe_framing *u)
{
	u32 max = u->max_record ? u->max_record : RF_TLS_MAX_DEFAULT;

	if (u->hdr_len || u->len_off || u->len_size || u->type_off ||
	    u->flags || u->reserved || u->len_adjust)
		return -EINVAL;
	if (max > RF_TLS_MAX_LIMIT)
		return -EINVAL;
	rf_format_tls(f, max);
	return 0;
}

/**
 * rf_format_from_user() - validate a RECFRAME_FRAMING request
 * @f: the format to fill in; left untouched on error
 * @u: what the user asked for
 *
 * The payload length is field value + len_adjust, so on transmit the field
 * carries payload_len - len_adjust, which must be representable for every
 * payload length from 0 to max_record. At 0 that requires len_adjust <= 0
 * (a positive one could not frame short records), and with that the
 * largest value is the one for max_record. len_adjust is also bounded
 * below by -RECFRAME_RECORD_LIMIT: no length prefix counts a megabyte of
 * something other than payload, and the bound keeps rf_hdr_parse()'s sum
 * far away from overflow.
 *
 * Return: 0, or -EINVAL for anything the uapi header does not allow.
 */
int rf_format_from_user(struct rf_format *f, const struct recframe_framing *u)
{
	bool has_type = u->flags & RECFRAME_F_TYPE;
	u32 len_end = (u32)u->len_off + u->len_size;

	if (u->format == RECFRAME_FORMAT_TLS)
		return rf_format_tls_from_user(f, u);
	if (u->format != RECFRAME_FORMAT_LENGTH)
		return -EINVAL;

	if ((u->flags & ~RECFRAME_F_ALL) || u->reserved)
		return -EINVAL;
	if (!u->hdr_len || u->hdr_len > RECFRAME_HDR_MAX)
		return -EINVAL;
	if (!rf_len_size_ok(u->len_size) || len_end > u->hdr_len)
		return -EINVAL;
	if (has_type) {
		if (u->type_off >= u->hdr_len)
			return -EINVAL;
		if (u->type_off >= u->len_off && u->type_off < len_end)
			return -EINVAL;
	} else if (u->type_off) {
		return -EINVAL;
	}
	if (!u->max_record || u->max_record > RECFRAME_RECORD_LIMIT)
		return -EINVAL;
	if (u->len_adjust > 0 ||
	    u->len_adjust < -(s32)RECFRAME_RECORD_LIMIT)
		return -EINVAL;
	if ((u64)((s64)u->max_record - u->len_adjust) >
	    rf_field_max(u->len_size))
		return -EINVAL;

	memset(f, 0, sizeof(*f));
	f->format = RECFRAME_FORMAT_LENGTH;
	f->hdr_len = u->hdr_len;
	f->len_off = u->len_off;
	f->len_size = u->len_size;
	f->type_off = u->type_off;
	f->little_endian = u->flags & RECFRAME_F_LITTLE_ENDIAN;
	f->has_type = has_type;
	f->len_adjust = u->len_adjust;
	f->max_record = u->max_record;
	return 0;
}

void rf_format_to_user(const struct rf_format *f, struct recframe_framing *u)
{
	memset(u, 0, sizeof(*u));
	u->format = f->format;
	u->max_record = f->max_record;
	/* The TLS layout is implied by the format; the uapi reports it as 0. */
	if (f->format == RECFRAME_FORMAT_TLS)
		return;

	u->hdr_len = f->hdr_len;
	u->len_off = f->len_off;
	u->len_size = f->len_size;
	u->type_off = f->type_off;
	u->len_adjust = f->len_adjust;
	if (f->little_endian)
		u->flags |= RECFRAME_F_LITTLE_ENDIAN;
	if (f->has_type)
		u->flags |= RECFRAME_F_TYPE;
}

/* Headers sit at arbitrary stream offsets, so go byte by byte. */
/*
 * Whether @f, typically an accepted format with another max_record, would
 * still be accepted: the validation rules live in one place.
 */
bool rf_format_fits(const struct rf_format *f)
{
	struct recframe_framing u;
	struct rf_format tmp;

	rf_format_to_user(f, &u);
	return !rf_format_from_user(&tmp, &u);
}

static u64 rf_get_uint(const u8 *p, u8 size, bool le)
{
	u64 v = 0;
	u8 i;

	for (i = 0; i < size; i++)
		v = (v << 8) | p[le ? size - 1 - i : i];
	return v;
}

static void rf_put_uint(u8 *p, u8 size, bool le, u64 v)
{
	u8 i;

	for (i = 0; i < size; i++) {
		p[le ? i : size - 1 - i] = (u8)v;
		v >>= 8;
	}
}

/**
 * rf_hdr_parse() - decode one record header
 * @f: a validated format
 * @hdr: f->hdr_len bytes
 * @payload_len: set to the payload length on success
 * @type: set to the record type on success, 0 for untyped formats
 *
 * Malformed headers are reported before oversized ones, so that a garbage
 * header is called garbage even if it also decodes to a huge length.
 *
 * Return: 0, -EINVAL (TLS version byte), -EBADMSG (negative length) or
 * -EMSGSIZE (payload above max_record).
 */
int rf_hdr_parse(const struct rf_format *f, const u8 *hdr, u32 *payload_len,
		 u8 *type)
{
	u64 v;
	s64 len;

	if (f->format == RECFRAME_FORMAT_TLS &&
	    hdr[1] != RF_TLS_VERSION_MAJOR)
		return -EINVAL;

	v = rf_get_uint(hdr + f->len_off, f->len_size, f->little_endian);
	/*
	 * len_adjust is within [-RECFRAME_RECORD_LIMIT, 0], so a value that
	 * needs more than 32 bits stays above any max_record after the
	 * adjust, and below that the s64 sum cannot overflow.
	 */
	if (v >> 32)
		return -EMSGSIZE;
	len = (s64)v + f->len_adjust;
	if (len < 0)
		return -EBADMSG;
	if (len > f->max_record)
		return -EMSGSIZE;

	*payload_len = (u32)len;
	*type = f->has_type ? hdr[f->type_off] : 0;
	return 0;
}

/**
 * rf_hdr_build() - encode one record header
 * @f: a validated format
 * @hdr: room for f->hdr_len bytes
 * @type: record type, ignored by untyped formats
 * @payload_len: payload bytes that will follow the header
 *
 * Return: 0, or -EMSGSIZE if @payload_len is above max_record.
 */
int rf_hdr_build(const struct rf_format *f, u8 *hdr, u8 type, u32 payload_len)
{
	if (payload_len > f->max_record)
		return -EMSGSIZE;

	memcpy(hdr, f->tx_template, f->hdr_len);
	/* rf_format_from_user() made sure this fits the field. */
	rf_put_uint(hdr + f->len_off, f->len_size, f->little_endian,
		    (u64)((s64)payload_len - f->len_adjust));
	if (f->has_type)
		hdr[f->type_off] = type;
	return 0;
}

void rf_rx_reset(struct rf_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

/**
 * rf_rx_header() - start a record from its header
 * @rx: receive state, in RF_RX_HDR
 * @f: the format
 * @hdr: the f->hdr_len first bytes of the record
 *
 * A bad header stops the parser for good: the stream has lost its record
 * boundaries and nothing after it can be trusted.
 *
 * Return: 0, the parse error (now sticky), the sticky error of an earlier
 * call, or -EINVAL if a record is already in progress.
 */
int rf_rx_header(struct rf_rx *rx, const struct rf_format *f, const u8 *hdr)
{
	int err;

	if (rx->state == RF_RX_ERR)
		return rx->err;
	if (rx->state != RF_RX_HDR)
		return -EINVAL;

	err = rf_hdr_parse(f, hdr, &rx->payload_len, &rx->type);
	if (err) {
		rx->state = RF_RX_ERR;
		rx->err = err;
		return err;
	}
	rx->off = 0;
	rx->state = RF_RX_BODY;
	return 0;
}

u32 rf_rx_record_len(const struct rf_rx *rx, const struct rf_format *f)
{
	/* Cannot wrap: payload_len <= RECFRAME_RECORD_LIMIT. */
	return f->hdr_len + rx->payload_len;
}

/**
 * rf_rx_complete() - is the rest of the current record in the stream?
 * @rx: receive state
 * @f: the format
 * @avail: bytes readable from the stream at the current consume position
 *
 * Return: true iff a header has been parsed and the record's remaining
 * bytes are all available.
 */
bool rf_rx_complete(const struct rf_rx *rx, const struct rf_format *f,
		    u64 avail)
{
	return rx->state == RF_RX_BODY &&
	       avail >= rf_rx_record_len(rx, f) - rx->off;
}

/**
 * rf_rx_plan() - what the next read of the current record does
 * @rx: receive state
 * @f: the format
 * @want_hdr: the user gets the header bytes too (RECFRAME_RX_HEADER)
 * @user_len: room in the user's buffer
 * @skip: set to the header bytes to drop without copying
 * @copy: set to the bytes to copy out after the skipped ones
 *
 * The caller consumes *skip + *copy bytes. Both are 0 outside RF_RX_BODY.
 */
void rf_rx_plan(const struct rf_rx *rx, const struct rf_format *f,
		bool want_hdr, size_t user_len, u32 *skip, u32 *copy)
{
	u32 s = 0, rest;

	if (rx->state != RF_RX_BODY) {
		*skip = 0;
		*copy = 0;
		return;
	}
	if (!want_hdr && rx->off < f->hdr_len)
		s = f->hdr_len - rx->off;
	rest = rf_rx_record_len(rx, f) - rx->off - s;
	*skip = s;
	*copy = user_len < rest ? (u32)user_len : rest;
}

/**
 * rf_rx_consume() - advance past bytes of the current record
 * @rx: receive state, in RF_RX_BODY
 * @f: the format
 * @n: bytes taken off the stream, at most what rf_rx_plan() allowed
 *
 * Return: true if that ended the record; the state is then ready for the
 * next header.
 */
bool rf_rx_consume(struct rf_rx *rx, const struct rf_format *f, u32 n)
{
	if (rx->state != RF_RX_BODY)
		return false;

	rx->off += n;
	if (rx->off < rf_rx_record_len(rx, f))
		return false;
	rf_rx_reset(rx);
	return true;
}
