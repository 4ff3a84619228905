/* SPDX-License-Identifier: LGPL-2.1-or-later */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reclaimctl-table.h"

struct Table {
        size_t n_columns;
        char **cells;           /* row-major, header row first */
        size_t n_cells;
        size_t n_allocated;
        bool *align_right;      /* one per column */
};

/* Control characters would break the columns: show them C-style. */
static char *escape_controls(const char *s) {
        size_t n = 0;
        char *e, *q;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                n += *p < 0x20 || *p == 0x7f ? 4 : 1;
        e = malloc(n + 1);
        if (!e)
                return NULL;
        q = e;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '\t' || *p == '\n') {
                        *q++ = '\\';
                        *q++ = *p == '\t' ? 't' : 'n';
                } else if (*p < 0x20 || *p == 0x7f)
                        q += sprintf(q, "\\x%02x", *p);
                else
                        *q++ = (char) *p;
        }
        *q = '\0';
        return e;
}

static int table_push(Table *t, char *text) {
        if (t->n_cells == t->n_allocated) {
                size_t n = t->n_allocated ? t->n_allocated * 2 : 32;
                char **c = realloc(t->cells, n * sizeof(char*));
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->n_allocated = n;
        }
        t->cells[t->n_cells++] = text;
        return 0;
}

Table *table_new(const char *first_header, ...) {
        Table *t;
        va_list ap;

        t = calloc(1, sizeof(Table));
        if (!t)
                return NULL;

        va_start(ap, first_header);
        for (const char *h = first_header; h; h = va_arg(ap, const char*)) {
                char *s = strdup(h);
                if (!s || table_push(t, s) < 0) {
                        free(s);
                        va_end(ap);
                        return table_free(t);
                }
                t->n_columns++;
        }
        va_end(ap);

        t->align_right = calloc(t->n_columns ?: 1, sizeof(bool));
        if (!t->align_right)
                return table_free(t);
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t->align_right);
        free(t);
        return NULL;
}

void table_freep(Table **t) {
        table_free(*t);
}

void table_set_align_right(Table *t, size_t column, bool right) {
        if (column < t->n_columns)
                t->align_right[column] = right;
}

int table_add_cell(Table *t, const char *text) {
        char *s;
        int r;

        s = escape_controls(text ?: "");
        if (!s)
                return -ENOMEM;
        r = table_push(t, s);
        if (r < 0)
                free(s);
        return r;
}

int table_add_cellf(Table *t, const char *format, ...) {
        char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = table_add_cell(t, s);
        free(s);
        return r;
}

size_t table_get_rows(const Table *t) {
        return t->n_columns ? t->n_cells / t->n_columns - 1 : 0;
}

/* Display width: code points, which is right for the ASCII and Latin text
 * these tables hold (VM names, cgroup paths). */
static size_t text_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        n++;
        return n;
}

int table_print(const Table *t, FILE *f) {
        size_t *width;

        if (t->n_columns == 0)
                return 0;

        width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;

        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = text_width(t->cells[i]);
                if (w > width[i % t->n_columns])
                        width[i % t->n_columns] = w;
        }

        for (size_t i = 0; i < t->n_cells; i++) {
                size_t col = i % t->n_columns, pad = width[col] - text_width(t->cells[i]);
                bool last = col == t->n_columns - 1 || i == t->n_cells - 1;

                if (t->align_right[col])
                        fprintf(f, "%*s%s", (int) pad, "", t->cells[i]);
                else if (last)
                        fputs(t->cells[i], f);
                else
                        fprintf(f, "%s%*s", t->cells[i], (int) pad, "");
                fputs(last ? "\n" : " ", f);
        }

        free(width);
        return 0;
}

void print_field(const char *label, const char *format, ...) {
        va_list ap;

        printf("%22s: ", label);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
}
