// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output through one set of calls; see print.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

#define PR_MAX_DEPTH	16

static enum pr_mode pr_mode;

/* ------------------------------------------------------------- JSON --- */

static struct {
	bool	array;		/* else an object */
	bool	first;		/* nothing emitted at this level yet */
} json_stack[PR_MAX_DEPTH];
static int json_depth;

static void json_indent(void)
{
	int i;

	if (pr_mode != PR_PRETTY)
		return;
	putchar('\n');
	for (i = 0; i < json_depth; i++)
		fputs("  ", stdout);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (c < 0x20)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

/* Comma, indentation and key before a value at the current level. */
static void json_prefix(const char *key)
{
	if (json_depth > 0) {
		if (!json_stack[json_depth - 1].first)
			putchar(',');
		json_stack[json_depth - 1].first = false;
		json_indent();
		if (!json_stack[json_depth - 1].array) {
			json_string(key ? key : "");
			fputs(pr_mode == PR_PRETTY ? ": " : ":", stdout);
		}
	}
}

static void json_open(const char *key, bool array)
{
	json_prefix(key);
	putchar(array ? '[' : '{');
	if (json_depth < PR_MAX_DEPTH) {
		json_stack[json_depth].array = array;
		json_stack[json_depth].first = true;
	}
	json_depth++;
}

static void json_close(void)
{
	bool array, empty;

	if (!json_depth)
		return;
	json_depth--;
	array = json_stack[json_depth].array;
	empty = json_stack[json_depth].first;
	if (!empty)
		json_indent();
	putchar(array ? ']' : '}');
	if (!json_depth) {
		putchar('\n');
		fflush(stdout);
	}
}

/* ------------------------------------------------------------- text --- */

enum text_kind {
	TEXT_NONE,
	TEXT_TABLE,
	TEXT_BLOCK,
	TEXT_LINE,
};

struct text_col {
	char	*label;
	bool	numeric;	/* right-aligned */
	size_t	width;
};

static struct {
	enum text_kind	kind;
	/* Table: columns and rows of cells; block: labels and values. */
	struct text_col	*cols;
	size_t		ncols;
	char		***rows;	/* rows[r][c], NULL for an empty cell */
	size_t		nrows;
	char		**labels;
	char		**values;
	bool		*numeric;
	size_t		nitems;
	/* Line */
	char		*line;
	size_t		line_len;
} text;

static int text_depth;	/* nesting of text containers, to find the outer */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("recframe");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}

static size_t text_col(const char *label, bool numeric)
{
	size_t i, r;

	for (i = 0; i < text.ncols; i++)
		if (!strcmp(text.cols[i].label, label))
			return i;
	text.cols = xrealloc(text.cols, (text.ncols + 1) * sizeof(*text.cols));
	text.cols[i].label = xstrdup(label);
	text.cols[i].numeric = numeric;
	text.cols[i].width = strlen(label);
	text.ncols++;
	for (r = 0; r < text.nrows; r++) {
		text.rows[r] = xrealloc(text.rows[r],
					text.ncols * sizeof(char *));
		text.rows[r][i] = NULL;
	}
	return i;
}

static void text_field(const char *label, const char *value, bool numeric)
{
	size_t i, n;

	switch (text.kind) {
	case TEXT_TABLE:
		if (!text.nrows)
			return;
		i = text_col(label, numeric);
		free(text.rows[text.nrows - 1][i]);
		text.rows[text.nrows - 1][i] = xstrdup(value);
		if (strlen(value) > text.cols[i].width)
			text.cols[i].width = strlen(value);
		break;
	case TEXT_BLOCK:
		n = text.nitems + 1;
		text.labels = xrealloc(text.labels, n * sizeof(char *));
		text.values = xrealloc(text.values, n * sizeof(char *));
		text.numeric = xrealloc(text.numeric, n * sizeof(bool));
		text.labels[text.nitems] = xstrdup(label);
		text.values[text.nitems] = xstrdup(value);
		text.numeric[text.nitems] = numeric;
		text.nitems = n;
		break;
	case TEXT_LINE:
	case TEXT_NONE:
		n = text.line_len + strlen(label) + strlen(value) + 3;
		text.line = xrealloc(text.line, n);
		text.line_len += sprintf(text.line + text.line_len, "%s%s%s%s",
					 text.line_len ? " " : "", label,
					 *label ? " " : "", value);
		if (text.kind == TEXT_NONE) {
			printf("%s\n", text.line);
			text.line_len = 0;
		}
		break;
	}
}

static void text_begin(enum text_kind kind)
{
	if (text_depth++ || text.kind != TEXT_NONE)
		return;	/* nested containers print into the outer one */
	text.kind = kind;
	text.line_len = 0;
}

static void text_flush_table(void)
{
	size_t r, c, last;

	if (!text.nrows)
		goto out;
	last = text.ncols - 1;
	for (c = 0; c < text.ncols; c++) {
		int w = (int)text.cols[c].width;

		if (c == last)
			printf("%s\n", text.cols[c].label);
		else
			printf(text.cols[c].numeric ? "%*s  " : "%-*s  ", w,
			       text.cols[c].label);
	}
	for (r = 0; r < text.nrows; r++) {
		for (c = 0; c < text.ncols; c++) {
			const char *v = text.rows[r][c] ? text.rows[r][c] : "-";
			int w = (int)text.cols[c].width;

			if (c == last && !text.cols[c].numeric)
				printf("%s", v);
			else
				printf(text.cols[c].numeric ? "%*s" : "%-*s",
				       w, v);
			fputs(c == last ? "\n" : "  ", stdout);
			free(text.rows[r][c]);
		}
		free(text.rows[r]);
	}
out:
	for (c = 0; c < text.ncols; c++)
		free(text.cols[c].label);
	free(text.cols);
	free(text.rows);
	text.cols = NULL;
	text.rows = NULL;
	text.ncols = 0;
	text.nrows = 0;
}

static void text_flush_block(void)
{
	size_t i, lw = 0, vw = 0;

	for (i = 0; i < text.nitems; i++) {
		if (strlen(text.labels[i]) > lw)
			lw = strlen(text.labels[i]);
		if (text.numeric[i] && strlen(text.values[i]) > vw)
			vw = strlen(text.values[i]);
	}
	for (i = 0; i < text.nitems; i++) {
		if (text.numeric[i])
			printf("%-*s  %*s\n", (int)lw, text.labels[i], (int)vw,
			       text.values[i]);
		else
			printf("%-*s  %s\n", (int)lw, text.labels[i],
			       text.values[i]);
		free(text.labels[i]);
		free(text.values[i]);
	}
	free(text.labels);
	free(text.values);
	free(text.numeric);
	text.labels = NULL;
	text.values = NULL;
	text.numeric = NULL;
	text.nitems = 0;
}

static void text_end(void)
{
	if (!text_depth || --text_depth)
		return;
	switch (text.kind) {
	case TEXT_TABLE:
		text_flush_table();
		break;
	case TEXT_BLOCK:
		text_flush_block();
		break;
	case TEXT_LINE:
		printf("%s\n", text.line_len ? text.line : "");
		text.line_len = 0;
		break;
	case TEXT_NONE:
		break;
	}
	text.kind = TEXT_NONE;
	fflush(stdout);
}

/* ----------------------------------------------------------- common --- */

void pr_init(enum pr_mode mode)
{
	pr_mode = mode;
}

bool pr_is_json(void)
{
	return pr_mode != PR_TEXT;
}

/*
 * A container: in JSON an array (@array) or an object, under @key; in text
 * a container of @kind, or none for TEXT_NONE (transparent in text).
 */
static void container_begin(const char *key, bool array, enum text_kind kind)
{
	if (pr_is_json())
		json_open(key, array);
	else if (kind != TEXT_NONE)
		text_begin(kind);
}

/* Ends it; @in_text if it was one in text too. */
static void container_end(bool in_text)
{
	if (pr_is_json())
		json_close();
	else if (in_text)
		text_end();
}

void pr_table_begin(const char *key)
{
	container_begin(key, true, TEXT_TABLE);
}

void pr_table_end(void)
{
	container_end(true);
}

void pr_row_begin(void)
{
	if (pr_is_json()) {
		json_open(NULL, false);
		return;
	}
	if (text.kind != TEXT_TABLE)
		return;
	text.rows = xrealloc(text.rows, (text.nrows + 1) * sizeof(char **));
	text.rows[text.nrows] = calloc(text.ncols ? text.ncols : 1,
				       sizeof(char *));
	if (!text.rows[text.nrows]) {
		perror("recframe");
		exit(1);
	}
	text.nrows++;
}

void pr_row_end(void)
{
	container_end(false);
}

void pr_block_begin(const char *key)
{
	container_begin(key, false, TEXT_BLOCK);
}

void pr_block_end(void)
{
	container_end(true);
}

void pr_line_begin(void)
{
	container_begin(NULL, false, TEXT_LINE);
}

void pr_line_end(void)
{
	container_end(true);
}

void pr_nest_begin(const char *key)
{
	container_begin(key, false, TEXT_NONE);
}

void pr_nest_end(void)
{
	container_end(false);
}

/*
 * A field: in JSON @json under @key, a string if @quote (else as it is);
 * in text @txt under @label, right-aligned in tables if @numeric.
 */
static void pr_field(const char *key, const char *label, const char *json,
		     bool quote, const char *txt, bool numeric)
{
	if (pr_is_json()) {
		if (key) {
			json_prefix(key);
			if (quote)
				json_string(json);
			else
				fputs(json, stdout);
		}
	} else if (label) {
		text_field(label, txt, numeric);
	}
}

void pr_u64(const char *key, const char *label, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	pr_field(key, label, buf, false, buf, true);
}

void pr_s64(const char *key, const char *label, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	pr_field(key, label, buf, false, buf, true);
}

void pr_str(const char *key, const char *label, const char *v)
{
	pr_field(key, label, v, true, v, false);
}

void pr_bool(const char *key, const char *label, bool v)
{
	pr_field(key, label, v ? "true" : "false", false, v ? "on" : "off",
		 false);
}

void pr_fini(void)
{
	free(text.line);
	text.line = NULL;
	text.line_len = 0;
}
