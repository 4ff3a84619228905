/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * reclaimctl-table.h - kvm-reclaimctl's human output: column tables on
 * libsmartcols (a header row, cells added left to right, columns sized to
 * their cells and to the terminal, chosen columns right-aligned or cut
 * first when the terminal is narrow, an optional legend below) and the
 * "label: value" lines of status and policy get.
 *
 * Width: $COLUMNS when set, else the terminal's when stdout is one; output
 * to a pipe or file is never cut.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct Table Table;

/* The header names the columns; NULL ends the list. Returns NULL on OOM. */
Table *table_new(const char *first_header, ...) __attribute__((sentinel));
Table *table_free(Table *t);
void table_freep(Table **t);

void table_set_align_right(Table *t, size_t column, bool right);
/* This column gives way first when the table is wider than the terminal. */
void table_set_shrink(Table *t, size_t column);
/* Printed below the table (when it has rows): what the columns mean. */
int table_set_legend(Table *t, const char *legend);
/* Adds one cell; rows wrap after the last column. -ENOMEM on OOM. */
int table_add_cell(Table *t, const char *text);
int table_add_cellf(Table *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
size_t table_get_rows(const Table *t);   /* without the header */
int table_print(const Table *t, FILE *f);

/* The width tables are fitted to; 0 = unlimited. */
size_t output_width(FILE *f);

/* One "label: value" line on stdout, labels right-aligned to 22 columns. */
void print_field(const char *label, const char *format, ...) __attribute__((format(printf, 2, 3)));
