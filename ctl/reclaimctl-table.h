/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * reclaimctl-table.h - kvm-reclaimctl's human output: a minimal column
 * table (a header row, cells added left to right, columns sized to their
 * widest cell, chosen columns right-aligned, no trailing blanks) and the
 * "label: value" lines of status and policy get.
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
/* Adds one cell; rows wrap after the last column. -ENOMEM on OOM. */
int table_add_cell(Table *t, const char *text);
int table_add_cellf(Table *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
size_t table_get_rows(const Table *t);   /* without the header */
int table_print(const Table *t, FILE *f);

/* One "label: value" line on stdout, labels right-aligned to 22 columns. */
void print_field(const char *label, const char *format, ...) __attribute__((format(printf, 2, 3)));
