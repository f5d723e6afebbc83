/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output for people and for programs through one set of calls: each pr_*()
 * field call names its JSON key and its text label, and emits whichever
 * the output mode wants. A NULL key leaves the field out of JSON, a NULL
 * label out of the text; an empty label prints the bare value.
 *
 * Text containers:
 *   table: one row per pr_row_begin(), a column per label, printed aligned
 *          with a header line at pr_table_end();
 *   block: "label value" lines, values aligned, printed at pr_block_end();
 *   line:  "label value" pairs on one line, printed at pr_line_end().
 * In JSON a table is an array of objects, blocks and lines are objects; a
 * top-level line is one JSON document per line (JSON Lines). pr_nest_*()
 * groups fields in a JSON object and is transparent in text.
 */
#ifndef RECFRAME_PRINT_H
#define RECFRAME_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum pr_mode {
	PR_TEXT,
	PR_JSON,
	PR_PRETTY,
};

void pr_init(enum pr_mode mode);
bool pr_is_json(void);

void pr_table_begin(const char *key);
void pr_table_end(void);
void pr_row_begin(void);
void pr_row_end(void);
void pr_block_begin(const char *key);
void pr_block_end(void);
void pr_line_begin(void);
void pr_line_end(void);
void pr_nest_begin(const char *key);
void pr_nest_end(void);

void pr_u64(const char *key, const char *label, uint64_t v);
void pr_s64(const char *key, const char *label, int64_t v);
void pr_str(const char *key, const char *label, const char *v);
void pr_bool(const char *key, const char *label, bool v);

/* Free everything buffered (at exit, for leak checkers). */
void pr_fini(void);

#endif /* RECFRAME_PRINT_H */
