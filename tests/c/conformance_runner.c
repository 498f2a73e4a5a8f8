/*
 * conformance_runner: the C conformance runner of pmsg. It executes the
 * scenario files of tests/conformance (FORMAT.md) through the C ABI
 * (pmsg.h) and gives the same verdicts as the Rust runner
 * (tests/conformance/rust/src/lib.rs), which is the reference: the same
 * allowed keys per op, the same shape of every result, the same matching.
 *
 *   conformance_runner [--typed] [PATH...]
 *       PATH: files, or folders (every *.json, by name); none: the project's
 *       scenario folder. --typed: every operation through the typed C
 *       API instead of its JSON form, requests built with setters ("Typed
 *       requests" below) and results read with accessors ("Typed
 *       results"); the verdicts must be the same.
 *
 * Prints `PASS <file>` or `FAIL <file>: step <i> (<op>): <why>` per file, then
 * `N passed, M failed`; exits 0 only when nothing failed (2 on a bad path).
 *
 * How requests reach the library. The ABI takes requests as JSON, so each
 * step's own members are passed on as written: for `send` and `send_group`
 * the step's members, for `reply` the same with the conversation alias
 * replaced by the real id, for `directory` the step's directory lists; the
 * runner's own keys (`at`, which becomes now_ms, `op`, `expect`, `as`,
 * `message_as`, `as_group`, `conversations_as`, `messages_as`) are left
 * out. The text is passed on as written, not re-printed from a parsed
 * tree, because a number's spelling matters to the library
 * (`"required_days": 3.0` is refused where `3` is accepted) and cJSON keeps
 * only a double. Only the scenario shorthands are rewritten, as the Rust
 * runner expands them before the library or a comparison sees them
 * (FORMAT.md): `{"repeat", "times"}` anywhere in a step (its arguments, the
 * requests built from them, and its `expect`), and attachments written with
 * `size`, which requests carry as `content_base64`. For the
 * same reason the file is first checked by a strict JSON scanner with
 * serde_json's rules (what the Rust runner refuses as "not JSON", this one
 * refuses too), and that scanner also finds the raw text of any member.
 * cJSON then gives the tree.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pmsg.h"

#ifndef PMSG_SCENARIOS_DIR
#define PMSG_SCENARIOS_DIR "tests/conformance/scenarios"
#endif

/* ------------------------------------------------------------------------ */
/* Memory and strings                                                       */
/* ------------------------------------------------------------------------ */

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fputs("conformance_runner: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void *xrealloc(void *old, size_t n) {
    void *p = realloc(old, n ? n : 1);
    if (p == NULL) {
        fputs("conformance_runner: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n) {
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

/* A growable string. */
typedef struct {
    char *s;
    size_t len, cap;
} buf;

static void buf_add(buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + n + 1 > cap) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_puts(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_vprintf(buf *b, const char *fmt, va_list ap) {
    va_list copy;
    int n;
    char *tmp;
    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) return;
    tmp = xmalloc((size_t)n + 1);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    buf_add(b, tmp, (size_t)n);
    free(tmp);
}

static void buf_printf(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The buffer's string (never NULL); the buffer is left empty. */
static char *buf_take(buf *b) {
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* A newly allocated formatted string. */
static char *fmt(const char *f, ...) {
    buf b = {NULL, 0, 0};
    va_list ap;
    va_start(ap, f);
    buf_vprintf(&b, f, ap);
    va_end(ap);
    return buf_take(&b);
}

/* A JSON value as compact text (for messages); newly allocated, free(). */
static char *show(const cJSON *v) {
    char *p = v ? cJSON_PrintUnformatted(v) : NULL;
    char *s = xstrdup(p ? p : "null");
    cJSON_free(p);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Strict JSON scanning (serde_json's grammar and limits)                   */
/* ------------------------------------------------------------------------ */

/* A piece of the scenario text. */
typedef struct {
    const char *p;
    size_t n;
} span;

/* Rust's str: the file must be UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len, k;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static int hex4(const char *p, const char *end, unsigned *out) {
    unsigned v = 0;
    int i;
    if (end - p < 4) return 0;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* p at '"': past the closing quote, or NULL. */
static const char *scan_string(const char *p, const char *end) {
    p++;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL; /* control characters must be escaped */
        if (c != '\\') {
            p++;
            continue;
        }
        if (++p >= end) return NULL;
        switch (*p) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p++;
            break;
        case 'u': {
            unsigned u, u2;
            if (!hex4(p + 1, end, &u)) return NULL;
            p += 5;
            if (u >= 0xDC00 && u <= 0xDFFF) return NULL; /* lone trailing surrogate */
            if (u >= 0xD800 && u <= 0xDBFF) {            /* must be paired */
                if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return NULL;
                if (!hex4(p + 2, end, &u2) || u2 < 0xDC00 || u2 > 0xDFFF) return NULL;
                p += 6;
            }
            break;
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, finite as a double. */
static const char *scan_number(const char *p, const char *end) {
    const char *start = p;
    char tmp[512], *stop;
    double d;
    if (p < end && *p == '-') p++;
    if (p >= end || !is_digit(*p)) return NULL;
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p)) return NULL;
    } else {
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) return NULL;
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || !is_digit(*p)) return NULL;
        while (p < end && is_digit(*p)) p++;
    }
    /* serde_json refuses a number that overflows a double ("number out of range"). */
    if ((size_t)(p - start) < sizeof tmp) {
        memcpy(tmp, start, (size_t)(p - start));
        tmp[p - start] = '\0';
        d = strtod(tmp, &stop);
        if (isinf(d)) return NULL;
    } else {
        char *big = xstrndup(start, (size_t)(p - start));
        d = strtod(big, &stop);
        free(big);
        if (isinf(d)) return NULL;
    }
    return p;
}

/* serde_json's recursion limit: the 128th nested container is refused. */
#define MAX_DEPTH 128

/* One JSON value at p (no leading whitespace): past its end, or NULL. */
static const char *scan_value(const char *p, const char *end, int depth) {
    if (p >= end) return NULL;
    switch (*p) {
    case '"':
        return scan_string(p, end);
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int object = *p == '{';
        if (++depth >= MAX_DEPTH) return NULL;
        p = skip_ws(p + 1, end);
        if (p < end && *p == close) return p + 1;
        for (;;) {
            if (object) {
                if (p >= end || *p != '"' || (p = scan_string(p, end)) == NULL) return NULL;
                p = skip_ws(p, end);
                if (p >= end || *p != ':') return NULL;
                p = skip_ws(p + 1, end);
            }
            if ((p = scan_value(p, end, depth)) == NULL) return NULL;
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == close) return p + 1;
            return NULL;
        }
    }
    case 't':
        return (end - p >= 4 && memcmp(p, "true", 4) == 0) ? p + 4 : NULL;
    case 'f':
        return (end - p >= 5 && memcmp(p, "false", 5) == 0) ? p + 5 : NULL;
    case 'n':
        return (end - p >= 4 && memcmp(p, "null", 4) == 0) ? p + 4 : NULL;
    default:
        return scan_number(p, end);
    }
}

/* The whole text is one JSON value (serde_json::from_str accepts it). */
static int json_valid(const char *text, size_t n) {
    const char *end = text + n, *p = scan_value(skip_ws(text, end), end, 0);
    return p != NULL && skip_ws(p, end) == end;
}

/*
 * The index-th member (key and value) of the object, or the index-th
 * element of the array, whose raw text is `v` (already validated). cJSON
 * keeps members in document order, duplicates included, so the index of a
 * cJSON child is the index of its raw text.
 */
static int raw_nth(span v, int index, span *key, span *val) {
    const char *end = v.p + v.n, *p;
    int object, i = 0;
    if (v.n == 0 || (v.p[0] != '{' && v.p[0] != '[')) return 0;
    object = v.p[0] == '{';
    p = skip_ws(v.p + 1, end);
    while (p < end && *p != '}' && *p != ']') {
        const char *k = p, *kend = p, *val_end;
        if (object) {
            kend = scan_string(p, end);
            p = skip_ws(skip_ws(kend, end) + 1, end); /* past ':' */
        }
        val_end = scan_value(p, end, 0);
        if (val_end == NULL) return 0;
        if (i == index) {
            if (key) key->p = k, key->n = (size_t)(kend - k);
            val->p = p, val->n = (size_t)(val_end - p);
            return 1;
        }
        i++;
        p = skip_ws(val_end, end);
        if (p < end && *p == ',') p = skip_ws(p + 1, end);
    }
    return 0;
}

/* The raw text of `child`, a member or element of `parent` (raw text `raw`). */
static span raw_child(span raw, const cJSON *parent, const cJSON *child, span *key) {
    span val = {"null", 4};
    const cJSON *c;
    int index = 0;
    for (c = parent ? parent->child : NULL; c != NULL && c != child; c = c->next) index++;
    if (c == NULL || !raw_nth(raw, index, key, &val)) val.p = "null", val.n = 4;
    return val;
}

/*
 * serde_json's `as_i64` / `as_u64` on a number written in the scenario: an
 * integer literal (no fraction, no exponent; `-0` is a float) in range.
 */
static int raw_integer(span v, int64_t *as_i64, uint64_t *as_u64, int *is_i64, int *is_u64) {
    size_t i = 0;
    uint64_t mag = 0;
    int neg = 0;
    *is_i64 = *is_u64 = 0;
    if (v.n > 0 && v.p[0] == '-') neg = 1, i = 1;
    if (i >= v.n) return 0;
    for (; i < v.n; i++) {
        unsigned d;
        if (!is_digit(v.p[i])) return 0; /* '.', 'e', 'E', or not a number */
        d = (unsigned)(v.p[i] - '0');
        if (mag > (UINT64_MAX - d) / 10) return 0; /* beyond u64: a float */
        mag = mag * 10 + d;
    }
    if (!neg) {
        *as_u64 = mag, *is_u64 = 1;
        if (mag <= (uint64_t)INT64_MAX) *as_i64 = (int64_t)mag, *is_i64 = 1;
    } else if (mag != 0 && mag <= (uint64_t)INT64_MAX + 1) {
        *as_i64 = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        *is_i64 = 1;
    }
    return 1;
}

/*
 * obj[key], as serde_json reads it: with a key written twice, the last one
 * wins (cJSON_GetObjectItemCaseSensitive would give the first).
 */
static const cJSON *get(const cJSON *obj, const char *key) {
    const cJSON *c, *found = NULL;
    if (!cJSON_IsObject(obj)) return NULL;
    for (c = obj->child; c != NULL; c = c->next)
        if (c->string != NULL && strcmp(c->string, key) == 0) found = c;
    return found;
}

/* A member that a later member of the same name overrides (serde_json drops it). */
static int overridden(const cJSON *member) {
    const cJSON *c;
    for (c = member->next; c != NULL; c = c->next)
        if (strcmp(c->string, member->string) == 0) return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* RFC 3339 instants (chrono's DateTime::parse_from_rfc3339, exactly)       */
/* ------------------------------------------------------------------------ */

typedef struct {
    int64_t secs;  /* since the Unix epoch, UTC; a leap second counts as :59 */
    int64_t nanos; /* 0..2e9 (above 1e9 only in a leap second) */
} instant;

static int days_in_month(int y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to the proleptic Gregorian y-m-d (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/*
 * YYYY-MM-DD(T|t| )HH:MM:SS[.frac](Z|z|(+|-|U+2212)HH:MM): an existing date,
 * hours < 24, minutes < 60, seconds <= 60 (a leap second), any number of
 * fraction digits (nanoseconds kept), an offset below 24 hours, nothing after.
 */
static int parse_rfc3339(const char *s, instant *out) {
    static const int digits[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    size_t n = strlen(s), i, k;
    int year, month, day, hour, min, sec, oh, om, neg;
    int64_t nano = 0, offset;
    if (n < 19) return 0;
    for (k = 0; k < sizeof digits / sizeof digits[0]; k++)
        if (!is_digit(s[digits[k]])) return 0;
    if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return 0;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return 0;
    year = two(s) * 100 + two(s + 2);
    month = two(s + 5);
    day = two(s + 8);
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return 0;
    hour = two(s + 11);
    min = two(s + 14);
    sec = two(s + 17);
    if (sec == 60) sec = 59, nano = 1000000000;
    i = 19;
    if (i < n && s[i] == '.') {
        int64_t frac = 0, scale = 100000000;
        i++;
        if (i >= n || !is_digit(s[i])) return 0;
        for (k = 0; i < n && is_digit(s[i]); i++, k++) {
            if (k < 9) frac += (s[i] - '0') * scale, scale /= 10;
        }
        nano += frac;
    }
    if (hour >= 24 || min >= 60 || sec >= 60) return 0;
    if (i >= n) return 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        offset = 0;
        i++;
    } else {
        if (s[i] == '+')
            neg = 0, i++;
        else if (s[i] == '-')
            neg = 1, i++;
        else if (n - i >= 3 && memcmp(s + i, "\xE2\x88\x92", 3) == 0)
            neg = 1, i += 3;
        else
            return 0;
        if (n - i < 2 || !is_digit(s[i]) || !is_digit(s[i + 1])) return 0;
        oh = two(s + i);
        i += 2;
        if (i >= n || s[i] != ':') return 0;
        i++;
        if (n - i < 2 || s[i] < '0' || s[i] > '5' || !is_digit(s[i + 1])) return 0;
        om = two(s + i);
        i += 2;
        offset = (int64_t)oh * 3600 + (int64_t)om * 60;
        if (offset >= 86400) return 0;
        if (neg) offset = -offset;
    }
    if (i != n) return 0;
    out->secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset;
    out->nanos = nano;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Matching (FORMAT.md; the Rust runner's `matches`)                        */
/* ------------------------------------------------------------------------ */

static const char *or_root(const char *path) { return *path ? path : "result"; }

/* serde_json's Value equality, for the cases that reach it (scalars). */
static int scalar_equal(const cJSON *e, const cJSON *a) {
    if (cJSON_IsNull(e) && cJSON_IsNull(a)) return 1;
    if (cJSON_IsBool(e) && cJSON_IsBool(a)) return cJSON_IsTrue(e) == cJSON_IsTrue(a);
    if (cJSON_IsString(e) && cJSON_IsString(a)) return strcmp(e->valuestring, a->valuestring) == 0;
    return 0;
}

static char *mismatch(const cJSON *e, const cJSON *a, const char *path) {
    char *es = show(e), *as = show(a), *why = fmt("%s: expected %s, got %s", or_root(path), es, as);
    free(es);
    free(as);
    return why;
}

/* NULL when `a` matches `e`; else why not (newly allocated). */
static char *matches(const cJSON *e, const cJSON *a, const char *path) {
    if (cJSON_IsObject(e) && cJSON_IsObject(a)) {
        const cJSON *ev;
        for (ev = e->child; ev != NULL; ev = ev->next) {
            char *here, *why;
            if (overridden(ev)) continue;
            here = fmt("%s.%s", path, ev->string);
            const cJSON *av = get(a, ev->string);
            if (av == NULL) {
                char *es = show(ev);
                why = fmt("%s: expected %s, but the result has no \"%s\"", here, es, ev->string);
                free(es);
            } else {
                why = matches(ev, av, here);
            }
            free(here);
            if (why) return why;
        }
        return NULL;
    }
    if (cJSON_IsArray(e) && cJSON_IsArray(a)) {
        int ne = cJSON_GetArraySize(e), na = cJSON_GetArraySize(a), i = 0;
        const cJSON *ev, *av;
        if (ne != na) {
            char *es = show(e), *as = show(a);
            char *why =
                fmt("%s: expected %d items %s, got %d items %s", or_root(path), ne, es, na, as);
            free(es);
            free(as);
            return why;
        }
        for (ev = e->child, av = a->child; ev != NULL && av != NULL;
             ev = ev->next, av = av->next, i++) {
            char *here = fmt("%s[%d]", path, i), *why = matches(ev, av, here);
            free(here);
            if (why) return why;
        }
        return NULL;
    }
    if (cJSON_IsString(e) && cJSON_IsString(a) && strcmp(e->valuestring, a->valuestring) != 0) {
        instant x, y;
        if (parse_rfc3339(e->valuestring, &x) && parse_rfc3339(a->valuestring, &y) &&
            x.secs == y.secs && x.nanos == y.nanos)
            return NULL;
        return mismatch(e, a, path);
    }
    if (cJSON_IsNumber(e) && cJSON_IsNumber(a) && e->valuedouble == a->valuedouble) return NULL;
    if (scalar_equal(e, a)) return NULL;
    return mismatch(e, a, path);
}

/* ------------------------------------------------------------------------ */
/* The runner                                                               */
/* ------------------------------------------------------------------------ */

typedef struct {
    char *key, *value;
} pair;

/* A map with the semantics the Rust runner's HashMap has here: the last insert wins. */
typedef struct {
    pair *v;
    size_t n, cap;
} map;

static void map_put(map *m, const char *key, const char *value) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    m->v[m->n].key = xstrdup(key);
    m->v[m->n].value = xstrdup(value);
    m->n++;
}

static const char *map_get(const map *m, const char *key) {
    size_t i;
    for (i = m->n; i-- > 0;)
        if (strcmp(m->v[i].key, key) == 0) return m->v[i].value;
    return NULL;
}

static void map_free(map *m) {
    size_t i;
    for (i = 0; i < m->n; i++) free(m->v[i].key), free(m->v[i].value);
    free(m->v);
}

/* An attachment of a sent message, for `download` by name. */
typedef struct {
    char *conversation, *name, *id, *media_type; /* media_type may be NULL */
} attachment;

typedef struct {
    pmsg_store *store;
    map conversations; /* alias -> conversation id */
    map groups;        /* alias -> group id (send_group's as_group) */
    map reverse;       /* conversation or message id -> alias */
    attachment *atts;  /* in message order */
    size_t natts, capatts;
} runner;

/* What one operation gave: PMSG_OK and a result, or an error code and message. */
typedef struct {
    int32_t status;
    char *message; /* newly allocated when status != PMSG_OK */
    cJSON *actual; /* when status == PMSG_OK */
} outcome;

static int32_t failed(outcome *o, int32_t status) {
    o->status = status;
    o->message = xstrdup(pmsg_last_error_message());
    return status;
}

/* An error the runner itself reports, as the Rust runner and the core do. */
static int32_t refuse(outcome *o, int32_t status, char *message) {
    o->status = status;
    o->message = message;
    return status;
}

/* The text of a step's member as written (for messages: `1.0` stays `1.0`). */
static char *show_raw(span raw, const cJSON *step, const cJSON *member) {
    span v = raw_child(raw, step, member, NULL);
    return xstrndup(v.p, v.n);
}

/* A step's string argument: the string, or "" (the Rust runner's unwrap_or_default). */
static const char *str_of(const cJSON *step, const char *key) {
    const cJSON *v = get(step, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The conversation a step names: the real id of its alias, or the text itself. */
static const char *conv_of(const runner *r, const cJSON *step) {
    const char *alias = str_of(step, "conversation"), *id = map_get(&r->conversations, alias);
    return id ? id : alias;
}

/* An id as the scenario names it: its alias, or the id itself. */
static cJSON *alias_of(const runner *r, const char *id) {
    const char *alias = map_get(&r->reverse, id);
    return cJSON_CreateString(alias ? alias : id);
}

/* alias_of for a JSON id that may be null. */
static cJSON *alias_or_null(const runner *r, const cJSON *id) {
    return cJSON_IsString(id) ? alias_of(r, id->valuestring) : cJSON_CreateNull();
}

/* A copy of `src[key]` (null when absent). */
static cJSON *copy(const cJSON *src, const char *key) {
    const cJSON *v = get(src, key);
    return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

static void put(cJSON *obj, const char *key, cJSON *value) {
    cJSON_AddItemToObject(obj, key, value);
}

/* The first item of the list `obj[key]` (NULL when empty or absent). */
static const cJSON *items(const cJSON *obj, const char *key) {
    const cJSON *v = get(obj, key);
    return v ? v->child : NULL;
}

/*
 * Parses a JSON result of the library and frees its string. `result` is the
 * address of the out-pointer, read only here: the call that fills it is
 * another argument, and C leaves the order of argument evaluation open.
 */
static int32_t take_json(outcome *o, int32_t status, char **result, cJSON **out) {
    char *text = *result;
    *result = NULL;
    *out = NULL;
    if (status != PMSG_OK) {
        pmsg_string_free(text);
        return failed(o, status);
    }
    *out = cJSON_Parse(text);
    pmsg_string_free(text);
    if (*out == NULL)
        return refuse(o, PMSG_INTERNAL, xstrdup("the library returned JSON cJSON cannot parse"));
    return PMSG_OK;
}

/* ------------------------------------------------------------------------ */
/* Typed results (--typed)                                                  */
/* ------------------------------------------------------------------------ */

/*
 * With --typed every operation that returns records is called in its typed
 * form (pmsg_events_due, pmsg_conversation_view, ...), and its handle is
 * read back, field by field through every accessor, into the tree that the
 * JSON form's text parses to (the same keys, values and nulls). The
 * shaping and matching below it are then the same for both paths, so the
 * two runs agree exactly when the typed results carry what the JSON does.
 */
static int typed = 0;

/* The first accessor that failed while reading a handle, if any. */
typedef struct {
    int32_t status;
} reading;

static cJSON *text_value(reading *rd, int32_t st, const char *s) {
    if (st != PMSG_OK && rd->status == PMSG_OK) rd->status = st;
    return st == PMSG_OK && s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *flag_value(reading *rd, int32_t st, int32_t v) {
    if (st != PMSG_OK && rd->status == PMSG_OK) rd->status = st;
    if (st == PMSG_OK && v != 0 && v != 1 && rd->status == PMSG_OK) rd->status = PMSG_INTERNAL;
    return cJSON_CreateBool(v == 1);
}

static size_t count_value(reading *rd, int32_t st, size_t n) {
    if (st != PMSG_OK && rd->status == PMSG_OK) rd->status = st;
    return st == PMSG_OK ? n : 0;
}

/* obj[key] = the string (or null) an accessor lends: FN(ARGS..., &s). The
 * accessor is called before its value is used (argument order is open). */
#define READ_TEXT(rd, obj, key, fn, ...)                              \
    do {                                                              \
        const char *s_ = NULL;                                        \
        int32_t st_ = fn(__VA_ARGS__, &s_);                           \
        put((obj), (key), text_value((rd), st_, s_));                 \
    } while (0)
#define READ_FLAG(rd, obj, key, fn, ...)                              \
    do {                                                              \
        int32_t v_ = 0;                                               \
        int32_t st_ = fn(__VA_ARGS__, &v_);                           \
        put((obj), (key), flag_value((rd), st_, v_));                 \
    } while (0)
#define READ_NUMBER(rd, obj, key, fn, ...)                            \
    do {                                                              \
        uint64_t v_ = 0;                                              \
        int32_t st_ = fn(__VA_ARGS__, &v_);                           \
        if (st_ != PMSG_OK && (rd)->status == PMSG_OK) (rd)->status = st_; \
        put((obj), (key), cJSON_CreateNumber((double)v_));            \
    } while (0)
#define READ_COUNT(rd, n, fn, ...)                                    \
    do {                                                              \
        size_t v_ = 0;                                                \
        int32_t st_ = fn(__VA_ARGS__, &v_);                           \
        (n) = count_value((rd), st_, v_);                             \
    } while (0)
/* obj[key] = the list of strings ACCESSOR(ARGS..., j, &s), j < COUNT(ARGS..., &n). */
#define READ_TEXTS(rd, obj, key, count, fn, ...)                      \
    do {                                                              \
        size_t n_ = 0, j_;                                            \
        cJSON *list_ = cJSON_CreateArray();                           \
        READ_COUNT(rd, n_, count, __VA_ARGS__);                       \
        for (j_ = 0; j_ < n_; j_++) {                                 \
            const char *s_ = NULL;                                    \
            int32_t st_ = fn(__VA_ARGS__, j_, &s_);                   \
            cJSON_AddItemToArray(list_, text_value((rd), st_, s_));   \
        }                                                             \
        put((obj), (key), list_);                                     \
    } while (0)

/* A tree read from a handle, or the first accessor's error (the tree freed). */
static int32_t finish_reading(const reading *rd, cJSON *tree, cJSON **out, outcome *o) {
    if (rd->status != PMSG_OK) {
        cJSON_Delete(tree);
        *out = NULL;
        return failed(o, rd->status);
    }
    *out = tree;
    return PMSG_OK;
}

/* pmsg_events as the JSON of pmsg_due_events_json / pmsg_claim_due_events_json. */
static int32_t events_tree(const pmsg_events *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *list = cJSON_CreateArray();
    size_t n = 0, i;
    READ_COUNT(&rd, n, pmsg_events_count, h);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        const char *until = NULL;
        int32_t st;
        READ_TEXT(&rd, e, "id", pmsg_events_id, h, i);
        READ_TEXT(&rd, e, "kind", pmsg_events_kind, h, i);
        READ_TEXT(&rd, e, "to", pmsg_events_to, h, i);
        READ_TEXT(&rd, e, "conversation", pmsg_events_conversation, h, i);
        READ_TEXT(&rd, e, "message", pmsg_events_message, h, i);
        READ_TEXT(&rd, e, "due_at", pmsg_events_due_at, h, i);
        READ_TEXT(&rd, e, "notice", pmsg_events_notice, h, i);
        /* Only a claim's events carry the key (R-D7). */
        st = pmsg_events_claimed_until(h, i, &until);
        if (st != PMSG_OK || until != NULL) put(e, "claimed_until", text_value(&rd, st, until));
        cJSON_AddItemToArray(list, e);
    }
    return finish_reading(&rd, list, out, o);
}

/* pmsg_view as the JSON of pmsg_view_json. */
static int32_t view_tree(const pmsg_view *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *v = cJSON_CreateObject(), *messages = cJSON_CreateArray(),
          *assignments = cJSON_CreateArray();
    size_t n = 0, i, k, natt;
    READ_TEXT(&rd, v, "id", pmsg_view_id, h);
    READ_TEXT(&rd, v, "subject", pmsg_view_subject, h);
    READ_TEXT(&rd, v, "status", pmsg_view_status, h);
    READ_TEXT(&rd, v, "patient_emr_id", pmsg_view_patient_emr_id, h);
    READ_TEXT(&rd, v, "patient_name", pmsg_view_patient_name, h);
    READ_FLAG(&rd, v, "awaiting_response", pmsg_view_awaiting_response, h);
    READ_FLAG(&rd, v, "overdue", pmsg_view_overdue, h);
    READ_TEXT(&rd, v, "response_due_at", pmsg_view_response_due_at, h);
    READ_FLAG(&rd, v, "confidential", pmsg_view_confidential, h);
    READ_COUNT(&rd, n, pmsg_view_message_count, h);
    for (i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject(), *atts = cJSON_CreateArray();
        READ_TEXT(&rd, m, "id", pmsg_view_message_id, h, i);
        READ_TEXT(&rd, m, "side", pmsg_view_message_side, h, i);
        READ_TEXT(&rd, m, "sender", pmsg_view_message_sender, h, i);
        READ_TEXT(&rd, m, "from", pmsg_view_message_from, h, i);
        READ_TEXT(&rd, m, "body", pmsg_view_message_body, h, i);
        READ_TEXT(&rd, m, "sent_at", pmsg_view_message_sent_at, h, i);
        READ_FLAG(&rd, m, "read", pmsg_view_message_read, h, i);
        READ_FLAG(&rd, m, "masked", pmsg_view_message_masked, h, i);
        READ_TEXTS(&rd, m, "recipients", pmsg_view_message_recipient_count,
                   pmsg_view_message_recipient, h, i);
        READ_COUNT(&rd, natt, pmsg_view_attachment_count, h, i);
        for (k = 0; k < natt; k++) {
            cJSON *a = cJSON_CreateObject();
            READ_TEXT(&rd, a, "id", pmsg_view_attachment_id, h, i, k);
            READ_TEXT(&rd, a, "name", pmsg_view_attachment_name, h, i, k);
            READ_TEXT(&rd, a, "media_type", pmsg_view_attachment_media_type, h, i, k);
            READ_NUMBER(&rd, a, "size", pmsg_view_attachment_size, h, i, k);
            READ_FLAG(&rd, a, "purged", pmsg_view_attachment_purged, h, i, k);
            READ_TEXT(&rd, a, "purged_at", pmsg_view_attachment_purged_at, h, i, k);
            cJSON_AddItemToArray(atts, a);
        }
        put(m, "attachments", atts);
        cJSON_AddItemToArray(messages, m);
    }
    put(v, "messages", messages);
    READ_COUNT(&rd, n, pmsg_view_assignment_count, h);
    for (i = 0; i < n; i++) {
        cJSON *a = cJSON_CreateObject();
        READ_TEXT(&rd, a, "by", pmsg_view_assignment_by, h, i);
        READ_TEXT(&rd, a, "to", pmsg_view_assignment_to, h, i);
        READ_TEXT(&rd, a, "note", pmsg_view_assignment_note, h, i);
        READ_TEXT(&rd, a, "at", pmsg_view_assignment_at, h, i);
        cJSON_AddItemToArray(assignments, a);
    }
    put(v, "assignments", assignments);
    return finish_reading(&rd, v, out, o);
}

/* pmsg_folder_page as the JSON of pmsg_folder_json. */
static int32_t folder_tree(const pmsg_folder_page *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *page = cJSON_CreateObject(), *entries = cJSON_CreateArray();
    size_t n = 0, i;
    READ_COUNT(&rd, n, pmsg_folder_page_count, h);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        READ_TEXT(&rd, e, "conversation", pmsg_folder_page_conversation, h, i);
        READ_TEXT(&rd, e, "subject", pmsg_folder_page_subject, h, i);
        READ_TEXT(&rd, e, "last_activity", pmsg_folder_page_last_activity, h, i);
        READ_FLAG(&rd, e, "unread", pmsg_folder_page_unread, h, i);
        READ_FLAG(&rd, e, "awaiting_response", pmsg_folder_page_awaiting_response, h, i);
        READ_FLAG(&rd, e, "overdue", pmsg_folder_page_overdue, h, i);
        READ_TEXT(&rd, e, "response_due_at", pmsg_folder_page_response_due_at, h, i);
        READ_TEXT(&rd, e, "status", pmsg_folder_page_status, h, i);
        READ_TEXT(&rd, e, "patient_emr_id", pmsg_folder_page_patient_emr_id, h, i);
        READ_TEXT(&rd, e, "patient_name", pmsg_folder_page_patient_name, h, i);
        cJSON_AddItemToArray(entries, e);
    }
    put(page, "entries", entries);
    READ_TEXT(&rd, page, "next_cursor", pmsg_folder_page_next_cursor, h);
    return finish_reading(&rd, page, out, o);
}

/* pmsg_matches as the JSON of pmsg_search_json. */
static int32_t matches_tree(const pmsg_matches *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *list = cJSON_CreateArray();
    size_t n = 0, i;
    READ_COUNT(&rd, n, pmsg_matches_count, h);
    for (i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        READ_TEXT(&rd, m, "emr_id", pmsg_matches_emr_id, h, i);
        READ_TEXT(&rd, m, "first_name", pmsg_matches_first_name, h, i);
        READ_TEXT(&rd, m, "last_name", pmsg_matches_last_name, h, i);
        READ_TEXT(&rd, m, "date_of_birth", pmsg_matches_date_of_birth, h, i);
        READ_TEXTS(&rd, m, "deliver_to", pmsg_matches_deliver_to_count, pmsg_matches_deliver_to, h,
                   i);
        READ_TEXT(&rd, m, "unreachable_reason", pmsg_matches_unreachable_reason, h, i);
        READ_TEXTS(&rd, m, "confidential_deliver_to", pmsg_matches_confidential_deliver_to_count,
                   pmsg_matches_confidential_deliver_to, h, i);
        cJSON_AddItemToArray(list, m);
    }
    return finish_reading(&rd, list, out, o);
}

/* pmsg_purged as the JSON of pmsg_purge_json. */
static int32_t purged_tree(const pmsg_purged *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *list = cJSON_CreateArray();
    size_t n = 0, i;
    READ_COUNT(&rd, n, pmsg_purged_count, h);
    for (i = 0; i < n; i++) {
        cJSON *p = cJSON_CreateObject();
        READ_TEXT(&rd, p, "conversation", pmsg_purged_conversation, h, i);
        READ_TEXT(&rd, p, "message", pmsg_purged_message, h, i);
        READ_TEXT(&rd, p, "attachment", pmsg_purged_attachment, h, i);
        READ_TEXT(&rd, p, "name", pmsg_purged_name, h, i);
        cJSON_AddItemToArray(list, p);
    }
    return finish_reading(&rd, list, out, o);
}

/* pmsg_billing as the JSON of pmsg_billing_report_json. */
static int32_t billing_tree(const pmsg_billing *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *report = cJSON_CreateObject(), *entries = cJSON_CreateArray(),
          *totals = cJSON_CreateArray();
    size_t n = 0, i;
    READ_TEXT(&rd, report, "cycle", pmsg_billing_cycle, h);
    READ_COUNT(&rd, n, pmsg_billing_entry_count, h);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        READ_TEXT(&rd, e, "fee_code", pmsg_billing_entry_fee_code, h, i);
        READ_TEXT(&rd, e, "author", pmsg_billing_entry_author, h, i);
        READ_TEXT(&rd, e, "patient", pmsg_billing_entry_patient, h, i);
        READ_TEXT(&rd, e, "conversation", pmsg_billing_entry_conversation, h, i);
        READ_TEXT(&rd, e, "message", pmsg_billing_entry_message, h, i);
        READ_TEXT(&rd, e, "sent_at", pmsg_billing_entry_sent_at, h, i);
        cJSON_AddItemToArray(entries, e);
    }
    READ_COUNT(&rd, n, pmsg_billing_total_count, h);
    for (i = 0; i < n; i++) {
        cJSON *t = cJSON_CreateObject();
        READ_TEXT(&rd, t, "author", pmsg_billing_total_author, h, i);
        READ_TEXT(&rd, t, "fee_code", pmsg_billing_total_fee_code, h, i);
        READ_NUMBER(&rd, t, "count", pmsg_billing_total_entries, h, i);
        cJSON_AddItemToArray(totals, t);
    }
    put(report, "entries", entries);
    put(report, "totals", totals);
    return finish_reading(&rd, report, out, o);
}

/* pmsg_group_progress as the JSON of pmsg_group_report_json. */
static int32_t progress_tree(const pmsg_group_progress *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *report = cJSON_CreateObject(), *entries = cJSON_CreateArray();
    size_t n = 0, i;
    READ_TEXT(&rd, report, "group_id", pmsg_group_progress_group_id, h);
    READ_COUNT(&rd, n, pmsg_group_progress_count, h);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        READ_TEXT(&rd, e, "emr_id", pmsg_group_progress_emr_id, h, i);
        READ_TEXT(&rd, e, "conversation", pmsg_group_progress_conversation, h, i);
        READ_TEXT(&rd, e, "skipped", pmsg_group_progress_skipped, h, i);
        READ_FLAG(&rd, e, "read", pmsg_group_progress_read, h, i);
        READ_FLAG(&rd, e, "replied", pmsg_group_progress_replied, h, i);
        READ_FLAG(&rd, e, "awaiting_response", pmsg_group_progress_awaiting_response, h, i);
        READ_FLAG(&rd, e, "overdue", pmsg_group_progress_overdue, h, i);
        cJSON_AddItemToArray(entries, e);
    }
    put(report, "entries", entries);
    return finish_reading(&rd, report, out, o);
}

/*
 * One fetch per record-returning operation: the result as a tree, from the
 * JSON function, or with --typed from the typed one (read back as above).
 * A failed call is `o`'s error; the tree is then NULL.
 */
#define FETCH_TYPED(handle_type, call, tree, free_fn)                 \
    do {                                                              \
        handle_type *h_ = NULL;                                       \
        int32_t st_ = (call);                                         \
        if (st_ != PMSG_OK) return failed(o, st_);                    \
        st_ = tree(h_, v, o);                                         \
        free_fn(h_);                                                  \
        return st_;                                                   \
    } while (0)

static int32_t fetch_due_events(runner *r, int64_t now, int64_t n, cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed) FETCH_TYPED(pmsg_events, pmsg_events_due(r->store, now, n, &h_), events_tree,
                           pmsg_events_free);
    return take_json(o, pmsg_due_events_json(r->store, now, n, &text), &text, v);
}

static int32_t fetch_claim(runner *r, const char *worker, int64_t now, int64_t n, int64_t lease,
                           cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_events, pmsg_events_claim(r->store, worker, now, n, lease, &h_),
                    events_tree, pmsg_events_free);
    return take_json(o, pmsg_claim_due_events_json(r->store, worker, now, n, lease, &text), &text,
                     v);
}

static int32_t fetch_view(runner *r, const char *by, const char *conv, int64_t now, cJSON **v,
                          outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_view, pmsg_conversation_view(r->store, by, conv, now, &h_), view_tree,
                    pmsg_view_free);
    return take_json(o, pmsg_view_json(r->store, by, conv, now, &text), &text, v);
}

static int32_t fetch_folder(runner *r, const char *by, const char *folder, const char *cursor,
                            uint32_t page_size, int64_t now, cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_folder_page,
                    pmsg_folder_list(r->store, by, folder, cursor, page_size, now, &h_),
                    folder_tree, pmsg_folder_page_free);
    return take_json(o, pmsg_folder_json(r->store, by, folder, cursor, page_size, now, &text),
                     &text, v);
}

static int32_t fetch_search(runner *r, const char *query, int64_t now, cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_matches, pmsg_patients_search(r->store, query, now, &h_), matches_tree,
                    pmsg_matches_free);
    return take_json(o, pmsg_search_json(r->store, query, now, &text), &text, v);
}

static int32_t fetch_purge(runner *r, int64_t now, cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_purged, pmsg_attachments_purge(r->store, now, &h_), purged_tree,
                    pmsg_purged_free);
    return take_json(o, pmsg_purge_json(r->store, now, &text), &text, v);
}

static int32_t fetch_billing(runner *r, const char *cycle, cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_billing, pmsg_billing_report(r->store, cycle, &h_), billing_tree,
                    pmsg_billing_free);
    return take_json(o, pmsg_billing_report_json(r->store, cycle, &text), &text, v);
}

static int32_t fetch_group_report(runner *r, const char *by, const char *id, int64_t now,
                                  cJSON **v, outcome *o) {
    char *text = NULL;
    if (typed)
        FETCH_TYPED(pmsg_group_progress, pmsg_group_report(r->store, by, id, now, &h_),
                    progress_tree, pmsg_group_progress_free);
    return take_json(o, pmsg_group_report_json(r->store, by, id, now, &text), &text, v);
}

/* pmsg_core::request::MAX_REPEAT_BYTES: the longest text a repeat may expand to. */
#define MAX_REPEAT_BYTES ((size_t)1 << 20)

/* The repeat shorthand {"repeat": s, "times": n} (exactly these two keys, n
 * an integer literal), as pmsg_core::request::text reads it: 1 with the unit
 * and count when `v` (text as written: `raw`) is one that expands to at most
 * MAX_REPEAT_BYTES; 0 for anything else, which stays as written. */
static int repeat_of(const cJSON *v, span raw, const char **unit, uint64_t *times) {
    const cJSON *u, *t;
    int64_t i64;
    int is_i64 = 0, is_u64 = 0;
    size_t len;
    if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) != 2) return 0;
    u = get(v, "repeat");
    t = get(v, "times");
    if (!cJSON_IsString(u) || !cJSON_IsNumber(t) ||
        !raw_integer(raw_child(raw, v, t, NULL), &i64, times, &is_i64, &is_u64) || !is_u64)
        return 0;
    len = strlen(u->valuestring);
    if (len != 0 && *times > MAX_REPEAT_BYTES / len) return 0;
    *unit = u->valuestring;
    return 1;
}

/* A copy of a JSON string item; NULL for anything else. */
static char *text_of(const cJSON *v) { return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL; }

/*
 * Expands the repeat shorthand everywhere below `v` (text as written:
 * `raw`), in place, as the Rust runner's expand_shorthands does: each
 * {"repeat", "times"} member or element becomes the string it stands for
 * (FORMAT.md: "anywhere in a scenario", in the arguments and in `expect`).
 * Positions do not move, so raw_child still finds a member's text as
 * written. Attachments written with `size` are expanded where they are sent
 * (emit_sized); in `expect` they stay descriptions: no result carries
 * content, and their `size` is the byte count views and downloads report.
 */
static void expand_shorthands(cJSON *v, span raw) {
    cJSON *c, *next;
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) return;
    for (c = v->child; c != NULL; c = next) {
        span craw = raw_child(raw, v, c, NULL);
        const char *unit;
        uint64_t times, i;
        next = c->next;
        if (repeat_of(c, craw, &unit, &times)) {
            size_t len = strlen(unit);
            char *text = xmalloc(len * (size_t)times + 1);
            cJSON *str;
            for (i = 0; i < times; i++) memcpy(text + i * len, unit, len);
            text[len * (size_t)times] = '\0';
            str = cJSON_CreateString(text);
            free(text);
            /* The member keeps its key: moved over, so deleting `c` leaves it. */
            str->string = c->string;
            c->string = NULL;
            cJSON_ReplaceItemViaPointer(v, c, str);
        } else {
            expand_shorthands(c, craw);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Typed requests (--typed)                                                 */
/* ------------------------------------------------------------------------ */

/*
 * With --typed, send, reply and send_group build a pmsg_send_request with
 * its setters from the step's members, and call pmsg_conversation_send,
 * pmsg_conversation_reply or pmsg_group_send. The setters' statuses are
 * not looked at, as a careless host would not: a setter that fails marks
 * its field, and the send reports it at the field's place in R-S2's order,
 * which is what the verdicts check.
 *
 * A member the typed API can carry goes to its setter as written. A value
 * that only JSON can hold (a type error) goes in as the nearest misuse a C
 * host can commit at that field, which the library refuses with the code
 * the JSON reader gives, at the same place:
 *
 *   from not "direct" or "workgroup:ID"      set_from_workgroup(req, "")      invalid_argument
 *   a flag that is not true/false            set_<flag>(req, 2)               invalid_options
 *   confidential not true/false (null too)   set_confidential(req, 2)         invalid_options
 *   response not closed/allowed/{required_days}  set_response(req, 0, 0)      invalid_options
 *   required_days not an integer             set_response(req, REQUIRED, 0)   invalid_response_deadline
 *   unread_notify malformed (count, unit)    set_unread_notify(req, 0, 0)     invalid_notify_interval
 *   an attachment the reader would refuse    add_attachment(req, NULL, ...)   invalid_argument
 *   patients not a list, or a non-string     add_patient(req, NULL)           invalid_argument
 *
 * (A subject, body or fee code that is not a string would go in as NULL,
 * which the typed API refuses with invalid_argument where the JSON reader
 * says invalid_subject, invalid_body or invalid_fee_code; no scenario has
 * one.) A member that is absent or null is not set, except confidential,
 * whose null the reader refuses (R-CF1).
 */

enum { TYPED_SEND, TYPED_REPLY, TYPED_GROUP };

/* Canonical standard base64 (RFC 4648, padded, zero trailing bits), as the
 * core's reader decodes content_base64. 1 and the bytes (free them), or 0. */
static int base64_decode(const char *s, uint8_t **out, size_t *len) {
    size_t n = strlen(s), i, o = 0;
    uint8_t *b;
    if (n % 4 != 0) return 0;
    b = xmalloc(n / 4 * 3);
    for (i = 0; i < n; i += 4) {
        unsigned v = 0, k, pad = 0;
        for (k = 0; k < 4; k++) {
            char c = s[i + k];
            unsigned d;
            if (c >= 'A' && c <= 'Z') d = (unsigned)(c - 'A');
            else if (c >= 'a' && c <= 'z') d = (unsigned)(c - 'a') + 26;
            else if (c >= '0' && c <= '9') d = (unsigned)(c - '0') + 52;
            else if (c == '+') d = 62;
            else if (c == '/') d = 63;
            else if (c == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '=')) d = 0, pad++;
            else {
                free(b);
                return 0;
            }
            if (pad && c != '=') { /* a digit after padding */
                free(b);
                return 0;
            }
            v = v << 6 | d;
        }
        if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0)) {
            free(b); /* trailing bits that are not zero */
            return 0;
        }
        b[o++] = (uint8_t)(v >> 16);
        if (pad < 2) b[o++] = (uint8_t)(v >> 8);
        if (pad < 1) b[o++] = (uint8_t)v;
    }
    *out = b;
    *len = o;
    return 1;
}

/* One file of `attachments` (raw text `raw`), as pmsg_core::request::attachment
 * reads it: {"name", "media_type"} and one of "text", "content_base64" or
 * "size" (the runner's shorthand: byte i = i mod 251). One it would refuse
 * goes in with a NULL name. */
static void add_file(pmsg_send_request *req, const cJSON *file, span raw) {
    static const char *const KEYS[] = {"name", "media_type", "text", "content_base64", "size",
                                       NULL};
    const cJSON *name = get(file, "name"), *media = get(file, "media_type"), *c;
    const cJSON *text = get(file, "text"), *b64 = get(file, "content_base64"),
                *size = get(file, "size");
    uint8_t *bytes = NULL;
    size_t len = 0;
    int ok = cJSON_IsObject(file) && cJSON_IsString(name) && cJSON_IsString(media) &&
             (text != NULL) + (b64 != NULL) + (size != NULL) == 1;
    for (c = ok ? file->child : NULL; c != NULL; c = c->next) {
        int known = 0;
        const char *const *k;
        for (k = KEYS; *k != NULL; k++) known |= strcmp(*k, c->string) == 0;
        ok &= known;
    }
    if (ok && text != NULL) {
        ok = cJSON_IsString(text);
        if (ok) {
            len = strlen(text->valuestring);
            bytes = xmalloc(len);
            memcpy(bytes, text->valuestring, len);
        }
    } else if (ok && b64 != NULL) {
        ok = cJSON_IsString(b64) && base64_decode(b64->valuestring, &bytes, &len);
    } else if (ok) {
        int64_t i64;
        uint64_t u64 = 0, i;
        int is_i64 = 0, is_u64 = 0;
        ok = raw_integer(raw_child(raw, file, size, NULL), &i64, &u64, &is_i64, &is_u64) &&
             is_u64 && u64 <= 64 * (uint64_t)MAX_REPEAT_BYTES;
        if (ok) {
            len = (size_t)u64;
            bytes = xmalloc(len);
            for (i = 0; i < u64; i++) bytes[i] = (uint8_t)(i % 251);
        }
    }
    if (ok)
        pmsg_send_request_add_attachment(req, name->valuestring, media->valuestring, bytes, len);
    else
        pmsg_send_request_add_attachment(req, NULL, "application/octet-stream", NULL, 0);
    free(bytes);
}

/* A flag member: not set when absent or null, 1/0 for true/false, 2 else. */
static void set_flag(pmsg_send_request *req, const cJSON *step, const char *key,
                     pmsg_status (*setter)(pmsg_send_request *, int32_t)) {
    const cJSON *v = get(step, key);
    if (v == NULL || cJSON_IsNull(v)) return;
    setter(req, cJSON_IsBool(v) ? (int32_t)cJSON_IsTrue(v) : 2);
}

/* The typed request of a send, reply or group send step (`raw`: its text). */
static pmsg_send_request *typed_request(const runner *r, const cJSON *step, span raw, int op) {
    pmsg_send_request *req = NULL;
    const cJSON *v, *c;
    if (pmsg_send_request_new(&req) != PMSG_OK) {
        fputs("conformance_runner: pmsg_send_request_new failed\n", stderr);
        exit(2);
    }
    if (op == TYPED_REPLY) {
        pmsg_send_request_set_by(req, str_of(step, "by"));
        pmsg_send_request_set_conversation(req, conv_of(r, step));
    } else {
        pmsg_send_request_set_author(req, str_of(step, "author"));
    }
    if (op == TYPED_SEND) pmsg_send_request_set_patient(req, str_of(step, "patient"));
    if (op == TYPED_GROUP && (v = get(step, "patients")) != NULL) {
        if (!cJSON_IsArray(v)) pmsg_send_request_add_patient(req, NULL);
        for (c = cJSON_IsArray(v) ? v->child : NULL; c != NULL; c = c->next)
            pmsg_send_request_add_patient(req, cJSON_IsString(c) ? c->valuestring : NULL);
    }
    if ((v = get(step, "from")) != NULL && !cJSON_IsNull(v)) {
        const char *s = cJSON_IsString(v) ? v->valuestring : "";
        if (strcmp(s, "direct") == 0)
            pmsg_send_request_set_from_direct(req);
        else if (strncmp(s, "workgroup:", 10) == 0 && s[10] != '\0')
            pmsg_send_request_set_from_workgroup(req, s + 10);
        else
            pmsg_send_request_set_from_workgroup(req, "");
    }
    if ((v = get(step, "subject")) != NULL && !cJSON_IsNull(v))
        pmsg_send_request_set_subject(req, cJSON_IsString(v) ? v->valuestring : NULL);
    if ((v = get(step, "body")) != NULL && !cJSON_IsNull(v))
        pmsg_send_request_set_body(req, cJSON_IsString(v) ? v->valuestring : NULL);
    if ((v = get(step, "attachments")) != NULL && !cJSON_IsNull(v)) {
        span list = raw_child(raw, step, v, NULL);
        if (!cJSON_IsArray(v))
            pmsg_send_request_add_attachment(req, NULL, "application/octet-stream", NULL, 0);
        for (c = cJSON_IsArray(v) ? v->child : NULL; c != NULL; c = c->next)
            add_file(req, c, raw_child(list, v, c, NULL));
    }
    if ((v = get(step, "unread_notify")) != NULL && !cJSON_IsNull(v)) {
        span obj = raw_child(raw, step, v, NULL);
        const cJSON *count = get(v, "count"), *unit = get(v, "unit");
        int64_t n = 0;
        uint64_t u64;
        int is_i64 = 0, is_u64 = 0;
        int32_t u = 0;
        if (cJSON_IsString(unit) && strcmp(unit->valuestring, "days") == 0) u = PMSG_UNIT_DAYS;
        if (cJSON_IsString(unit) && strcmp(unit->valuestring, "weeks") == 0) u = PMSG_UNIT_WEEKS;
        if (!cJSON_IsObject(v) || cJSON_GetArraySize(v) != 2 || !cJSON_IsNumber(count) ||
            !raw_integer(raw_child(obj, v, count, NULL), &n, &u64, &is_i64, &is_u64) || !is_i64)
            u = 0, n = 0;
        pmsg_send_request_set_unread_notify(req, u == 0 ? 0 : n, u);
    }
    if ((v = get(step, "response")) != NULL && !cJSON_IsNull(v)) {
        const cJSON *days = get(v, "required_days");
        if (cJSON_IsString(v) && strcmp(v->valuestring, "closed") == 0) {
            pmsg_send_request_set_response(req, PMSG_RESPONSE_CLOSED, 0);
        } else if (cJSON_IsString(v) && strcmp(v->valuestring, "allowed") == 0) {
            pmsg_send_request_set_response(req, PMSG_RESPONSE_ALLOWED, 0);
        } else if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 && days != NULL) {
            span obj = raw_child(raw, step, v, NULL);
            int64_t n = 0;
            uint64_t u64;
            int is_i64 = 0, is_u64 = 0;
            if (!cJSON_IsNumber(days) ||
                !raw_integer(raw_child(obj, v, days, NULL), &n, &u64, &is_i64, &is_u64) ||
                !is_i64)
                n = 0; /* not an integer: C cannot carry it; 0 days is refused alike */
            pmsg_send_request_set_response(req, PMSG_RESPONSE_REQUIRED, n);
        } else {
            pmsg_send_request_set_response(req, 0, 0); /* not a pmsg_response */
        }
    }
    set_flag(req, step, "allow_reply_attachments", pmsg_send_request_set_allow_reply_attachments);
    set_flag(req, step, "mask_name", pmsg_send_request_set_mask_name);
    set_flag(req, step, "file_to_chart", pmsg_send_request_set_file_to_chart);
    if ((v = get(step, "billable_fee_code")) != NULL && !cJSON_IsNull(v))
        pmsg_send_request_set_fee_code(req, cJSON_IsString(v) ? v->valuestring : NULL);
    if ((v = get(step, "confidential")) != NULL)
        pmsg_send_request_set_confidential(req, cJSON_IsBool(v) ? (int32_t)cJSON_IsTrue(v) : 2);
    return req;
}

/* pmsg_group_outcome as the JSON of pmsg_send_group_json. */
static int32_t group_outcome_tree(const pmsg_group_outcome *h, cJSON **out, outcome *o) {
    reading rd = {PMSG_OK};
    cJSON *v = cJSON_CreateObject(), *entries = cJSON_CreateArray();
    size_t n = 0, i, k, na;
    READ_TEXT(&rd, v, "group_id", pmsg_group_outcome_group_id, h);
    READ_COUNT(&rd, n, pmsg_group_outcome_count, h);
    for (i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject(), *atts = cJSON_CreateArray();
        READ_TEXT(&rd, e, "emr_id", pmsg_group_outcome_emr_id, h, i);
        READ_TEXT(&rd, e, "conversation_id", pmsg_group_outcome_conversation_id, h, i);
        READ_TEXT(&rd, e, "message_id", pmsg_group_outcome_message_id, h, i);
        READ_TEXTS(&rd, e, "delivered_to", pmsg_group_outcome_delivered_to_count,
                   pmsg_group_outcome_delivered_to, h, i);
        READ_TEXT(&rd, e, "status", pmsg_group_outcome_status, h, i);
        READ_COUNT(&rd, na, pmsg_group_outcome_attachment_count, h, i);
        for (k = 0; k < na; k++) {
            cJSON *a = cJSON_CreateObject();
            READ_TEXT(&rd, a, "id", pmsg_group_outcome_attachment_id, h, i, k);
            READ_TEXT(&rd, a, "name", pmsg_group_outcome_attachment_name, h, i, k);
            cJSON_AddItemToArray(atts, a);
        }
        put(e, "attachments", atts);
        READ_TEXT(&rd, e, "skipped", pmsg_group_outcome_skipped, h, i);
        cJSON_AddItemToArray(entries, e);
    }
    put(v, "entries", entries);
    return finish_reading(&rd, v, out, o);
}

/* After a send or reply: the message alias, and the attachments by name. */
/* Records the i-th attachment of a message the step sent, for `download` by
 * name. The ABI's outcomes have no media type: it is the request's, as stored. */
static void record_attachment(runner *r, const cJSON *step, size_t i, const char *conv,
                              const char *name, const char *id) {
    attachment *a;
    if (r->natts == r->capatts) {
        r->capatts = r->capatts ? r->capatts * 2 : 16;
        r->atts = xrealloc(r->atts, r->capatts * sizeof *r->atts);
    }
    a = &r->atts[r->natts++];
    a->conversation = xstrdup(conv);
    a->name = xstrdup(name);
    a->id = xstrdup(id);
    a->media_type =
        text_of(get(cJSON_GetArrayItem(get(step, "attachments"), (int)i), "media_type"));
}

static int32_t record_message(runner *r, const cJSON *step, const pmsg_outcome *out, outcome *o) {
    const char *conv = NULL, *msg = NULL, *id, *name;
    const cJSON *alias = get(step, "message_as");
    size_t n = 0, i;
    if (pmsg_outcome_conversation_id(out, &conv) != PMSG_OK ||
        pmsg_outcome_message_id(out, &msg) != PMSG_OK ||
        pmsg_outcome_attachment_count(out, &n) != PMSG_OK)
        return failed(o, PMSG_INTERNAL);
    if (cJSON_IsString(alias)) map_put(&r->reverse, msg, alias->valuestring);
    for (i = 0; i < n; i++) {
        int32_t st = pmsg_outcome_attachment_id(out, i, &id);
        if (st != PMSG_OK || (st = pmsg_outcome_attachment_name(out, i, &name)) != PMSG_OK)
            return failed(o, st);
        record_attachment(r, step, i, conv, name, id);
    }
    return PMSG_OK;
}

/* The result of a send or reply, as the Rust runner shapes it. */
static int32_t outcome_result(const runner *r, const pmsg_outcome *out, outcome *o) {
    const char *conv = NULL, *status = NULL, *party = NULL, *chart = NULL;
    size_t n = 0, i;
    int32_t st;
    cJSON *delivered = cJSON_CreateArray();
    if ((st = pmsg_outcome_delivered_to_count(out, &n)) != PMSG_OK) goto fail;
    for (i = 0; i < n; i++) {
        if ((st = pmsg_outcome_delivered_to(out, i, &party)) != PMSG_OK) goto fail;
        cJSON_AddItemToArray(delivered, cJSON_CreateString(party));
    }
    if ((st = pmsg_outcome_status(out, &status)) != PMSG_OK) goto fail;
    if ((st = pmsg_outcome_conversation_id(out, &conv)) != PMSG_OK) goto fail;
    if ((st = pmsg_outcome_chart_text(out, &chart)) != PMSG_OK) goto fail;
    o->actual = cJSON_CreateObject();
    put(o->actual, "delivered_to", delivered);
    put(o->actual, "status", cJSON_CreateString(status));
    put(o->actual, "conversation", alias_of(r, conv));
    if (chart != NULL) put(o->actual, "document", cJSON_CreateString(chart));
    return PMSG_OK;
fail:
    cJSON_Delete(delivered);
    return failed(o, st);
}

/* Standard base64 (RFC 4648, with padding) of the `size` shorthand's bytes:
 * byte i = i mod 251 (FORMAT.md). */
static void base64_sized(buf *b, uint64_t size) {
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t i;
    char quad[4];
    for (i = 0; i < size; i += 3) {
        unsigned x = (unsigned)(i % 251) << 16, n = size - i >= 3 ? 3 : (unsigned)(size - i);
        if (n > 1) x |= (unsigned)((i + 1) % 251) << 8;
        if (n > 2) x |= (unsigned)((i + 2) % 251);
        quad[0] = digits[(x >> 18) & 63];
        quad[1] = digits[(x >> 12) & 63];
        quad[2] = n > 1 ? digits[(x >> 6) & 63] : '=';
        quad[3] = n > 2 ? digits[x & 63] : '=';
        buf_add(b, quad, 4);
    }
}

static void emit_value(buf *b, span raw, const cJSON *node);

/*
 * An attachment written with `size` (FORMAT.md), as the Rust runner sends
 * it: when pmsg_core::request::attachment would read it (only known keys,
 * a text name and media type, `size` alone as content, an integer up to
 * 64 MiB), it goes out as {"name", "media_type", "content_base64"}; else it
 * goes out as written, for the library to refuse. Returns 1 when emitted.
 */
static int emit_sized(buf *b, span raw, const cJSON *file) {
    static const char *const KEYS[] = {"name", "media_type", "text", "content_base64", "size",
                                       NULL};
    const cJSON *size = get(file, "size"), *name = get(file, "name");
    const cJSON *media = get(file, "media_type"), *c;
    int64_t i64;
    uint64_t u64;
    int is_i64 = 0, is_u64 = 0;
    if (!cJSON_IsObject(file) || size == NULL) return 0;
    for (c = file->child; c != NULL; c = c->next) {
        int known = 0;
        const char *const *k;
        for (k = KEYS; *k != NULL; k++) known |= strcmp(*k, c->string) == 0;
        if (!known) return 0;
    }
    if (!cJSON_IsString(name) || !cJSON_IsString(media) || get(file, "text") != NULL ||
        get(file, "content_base64") != NULL)
        return 0;
    if (!raw_integer(raw_child(raw, file, size, NULL), &i64, &u64, &is_i64, &is_u64) ||
        !is_u64 || u64 > 64 * (uint64_t)MAX_REPEAT_BYTES)
        return 0;
    buf_puts(b, "{\"name\":");
    emit_value(b, raw_child(raw, file, name, NULL), name);
    buf_puts(b, ",\"media_type\":");
    emit_value(b, raw_child(raw, file, media, NULL), media);
    buf_puts(b, ",\"content_base64\":\"");
    base64_sized(b, u64);
    buf_puts(b, "\"}");
    return 1;
}

/*
 * A value of a request, from its text as written (`raw`) and its node in
 * the expanded step (`node`, expand_shorthands): as written, except that a
 * repeat shorthand, which the node shows expanded into a string, goes out
 * as that string. The string is built from the unit's own JSON text, so
 * its escapes are kept as written.
 */
static void emit_value(buf *b, span raw, const cJSON *node) {
    span key, val;
    int i;
    if (raw.n == 0) return;
    if (cJSON_IsString(node) && raw.p[0] == '{') {
        span unit = {"\"\"", 2};
        uint64_t times = 0, t;
        for (i = 0; i < 2 && raw_nth(raw, i, &key, &val); i++) {
            int64_t i64;
            int is_i64 = 0, is_u64 = 0;
            if (val.p[0] == '"')
                unit = val;
            else
                raw_integer(val, &i64, &times, &is_i64, &is_u64);
        }
        buf_puts(b, "\"");
        for (t = 0; t < times; t++) buf_add(b, unit.p + 1, unit.n - 2);
        buf_puts(b, "\"");
        return;
    }
    if ((cJSON_IsObject(node) && raw.p[0] == '{') || (cJSON_IsArray(node) && raw.p[0] == '[')) {
        const cJSON *c;
        int object = raw.p[0] == '{';
        buf_puts(b, object ? "{" : "[");
        for (c = node->child, i = 0; c != NULL && raw_nth(raw, i, &key, &val); c = c->next, i++) {
            if (i) buf_puts(b, ",");
            if (object) {
                buf_add(b, key.p, key.n);
                buf_puts(b, ":");
            }
            emit_value(b, val, c);
        }
        buf_puts(b, object ? "}" : "]");
        return;
    }
    buf_add(b, raw.p, raw.n);
}

/*
 * The members of `step` (the expanded step; its text as written is `raw`)
 * whose key is (keep = 1) or is not (keep = 0) in `keys`, for a request:
 * as written, with the scenario shorthands expanded as the Rust runner
 * expands them (emit_value; in `attachments`, emit_sized), so that the
 * library's request readers see plain JSON.
 */
static void raw_members(buf *b, span raw, const cJSON *step, const char *const *keys, int keep,
                        int *first) {
    const cJSON *c;
    for (c = step->child; c != NULL; c = c->next) {
        int listed = 0;
        const char *const *k;
        span key, val;
        for (k = keys; *k != NULL; k++) listed |= strcmp(*k, c->string) == 0;
        if (listed != keep) continue;
        val = raw_child(raw, step, c, &key);
        if (!*first) buf_puts(b, ",");
        *first = 0;
        buf_add(b, key.p, key.n);
        buf_puts(b, ":");
        if (strcmp(c->string, "attachments") == 0 && cJSON_IsArray(c) && val.n && val.p[0] == '[') {
            const cJSON *f;
            span fkey, fval;
            int i;
            buf_puts(b, "[");
            for (f = c->child, i = 0; f != NULL && raw_nth(val, i, &fkey, &fval);
                 f = f->next, i++) {
                if (i) buf_puts(b, ",");
                if (!emit_sized(b, fval, f)) emit_value(b, fval, f);
            }
            buf_puts(b, "]");
        } else {
            emit_value(b, val, c);
        }
    }
}

static const char *const DIRECTORY_KEYS[] = {"accounts", "patients",   "connections",
                                             "staff",    "workgroups", NULL};

/* The keys of a step that are the runner's, not the request's (`at` is now_ms). */
static const char *const RUNNER_KEYS[] = {"at", "op", "expect", "as", "message_as", NULL};

static int32_t op_send(runner *r, const cJSON *step, span raw, int64_t now, outcome *o) {
    buf b = {NULL, 0, 0};
    int first = 1;
    char *request;
    pmsg_outcome *out = NULL;
    const char *conv = NULL;
    const cJSON *as = get(step, "as");
    int32_t st;
    if (typed) {
        pmsg_send_request *req = typed_request(r, step, raw, TYPED_SEND);
        st = pmsg_conversation_send(r->store, req, now, &out);
        pmsg_send_request_free(req);
    } else {
        buf_puts(&b, "{");
        raw_members(&b, raw, step, RUNNER_KEYS, 0, &first);
        buf_puts(&b, "}");
        request = buf_take(&b);
        st = pmsg_send_json(r->store, request, now, &out);
        free(request);
    }
    if (st != PMSG_OK) return failed(o, st);
    if (cJSON_IsString(as) && pmsg_outcome_conversation_id(out, &conv) == PMSG_OK) {
        map_put(&r->conversations, as->valuestring, conv);
        map_put(&r->reverse, conv, as->valuestring);
    }
    if ((st = record_message(r, step, out, o)) == PMSG_OK) st = outcome_result(r, out, o);
    pmsg_outcome_free(out);
    return st;
}

static int32_t op_reply(runner *r, const cJSON *step, span raw, int64_t now, outcome *o) {
    static const char *const NOT_PASSED[] = {"at",         "op",           "expect", "as",
                                             "message_as", "conversation", NULL};
    buf b = {NULL, 0, 0};
    int first = 1;
    char *request;
    cJSON *conv = cJSON_CreateString(conv_of(r, step));
    char *quoted = show(conv);
    pmsg_outcome *out = NULL;
    int32_t st;
    if (typed) {
        pmsg_send_request *req = typed_request(r, step, raw, TYPED_REPLY);
        st = pmsg_conversation_reply(r->store, req, now, &out);
        pmsg_send_request_free(req);
    } else {
        buf_puts(&b, "{");
        raw_members(&b, raw, step, NOT_PASSED, 0, &first);
        buf_printf(&b, "%s\"conversation\":%s}", first ? "" : ",", quoted);
        request = buf_take(&b);
        st = pmsg_reply_json(r->store, request, now, &out);
        free(request);
    }
    free(quoted);
    cJSON_Delete(conv);
    if (st != PMSG_OK) return failed(o, st);
    if ((st = record_message(r, step, out, o)) == PMSG_OK) st = outcome_result(r, out, o);
    pmsg_outcome_free(out);
    return st;
}

/* The i-th string of the list `step[key]`; NULL when absent, not a list,
 * too short or not a string (that conversation or message stays unbound,
 * as with the Rust runner). */
static const char *nth_alias(const cJSON *step, const char *key, int i) {
    const cJSON *list = get(step, key), *item;
    if (!cJSON_IsArray(list)) return NULL;
    item = cJSON_GetArrayItem(list, i);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* `send_group` (SPEC section 16): the request as written; then the group's
 * alias (`as_group`) and, in outcome order, the sent conversations' and
 * messages' aliases (`conversations_as`, `messages_as`), and each sent
 * conversation's own attachment ids (for `download` by name). */
static int32_t op_send_group(runner *r, const cJSON *step, span raw, int64_t now, outcome *o) {
    static const char *const NOT_PASSED[] = {
        "at", "op", "expect", "as_group", "conversations_as", "messages_as", NULL};
    buf b = {NULL, 0, 0};
    int first = 1, sent = 0;
    size_t k;
    char *request, *text = NULL;
    const cJSON *as = get(step, "as_group"), *e, *a;
    cJSON *v, *entries;
    if (typed) {
        pmsg_send_request *req = typed_request(r, step, raw, TYPED_GROUP);
        pmsg_group_outcome *h = NULL;
        int32_t st = pmsg_group_send(r->store, req, now, &h);
        pmsg_send_request_free(req);
        if (st != PMSG_OK) return failed(o, st);
        st = group_outcome_tree(h, &v, o);
        pmsg_group_outcome_free(h);
        if (st != PMSG_OK) return st;
    } else {
        buf_puts(&b, "{");
        raw_members(&b, raw, step, NOT_PASSED, 0, &first);
        buf_puts(&b, "}");
        request = buf_take(&b);
        if (take_json(o, pmsg_send_group_json(r->store, request, now, &text), &text, &v)) {
            free(request);
            return o->status;
        }
        free(request);
    }
    if (cJSON_IsString(as) && cJSON_IsString(get(v, "group_id")))
        map_put(&r->groups, as->valuestring, get(v, "group_id")->valuestring);
    for (e = items(v, "entries"); e != NULL; e = e->next) {
        const cJSON *conv = get(e, "conversation_id"), *msg = get(e, "message_id");
        const char *alias;
        if (!cJSON_IsString(conv)) continue; /* skipped */
        if ((alias = nth_alias(step, "conversations_as", sent)) != NULL) {
            map_put(&r->conversations, alias, conv->valuestring);
            map_put(&r->reverse, conv->valuestring, alias);
        }
        if (cJSON_IsString(msg) && (alias = nth_alias(step, "messages_as", sent)) != NULL)
            map_put(&r->reverse, msg->valuestring, alias);
        for (a = items(e, "attachments"), k = 0; a != NULL; a = a->next, k++) {
            const cJSON *id = get(a, "id"), *name = get(a, "name");
            if (cJSON_IsString(id) && cJSON_IsString(name))
                record_attachment(r, step, k, conv->valuestring, name->valuestring,
                                  id->valuestring);
        }
        sent++;
    }
    entries = cJSON_CreateArray();
    for (e = items(v, "entries"); e != NULL; e = e->next) {
        cJSON *entry = cJSON_CreateObject();
        put(entry, "emr_id", copy(e, "emr_id"));
        put(entry, "conversation", alias_or_null(r, get(e, "conversation_id")));
        put(entry, "message", alias_or_null(r, get(e, "message_id")));
        put(entry, "skipped", copy(e, "skipped"));
        put(entry, "delivered_to", copy(e, "delivered_to"));
        put(entry, "status", copy(e, "status"));
        cJSON_AddItemToArray(entries, entry);
    }
    o->actual = cJSON_CreateObject();
    put(o->actual, "outcome", entries);
    put(o->actual, "group_id", copy(v, "group_id"));
    cJSON_Delete(v);
    return PMSG_OK;
}

/* `group_report` (R-G5): `group` is an as_group alias, or passed on as a literal id. */
static int32_t op_group_report(runner *r, const cJSON *step, int64_t now, outcome *o) {
    const char *name = str_of(step, "group"), *id = map_get(&r->groups, name);
    cJSON *v, *entries;
    const cJSON *e;
    if (fetch_group_report(r, str_of(step, "by"), id ? id : name, now, &v, o)) return o->status;
    entries = cJSON_CreateArray();
    for (e = items(v, "entries"); e != NULL; e = e->next) {
        cJSON *entry = cJSON_CreateObject();
        put(entry, "emr_id", copy(e, "emr_id"));
        put(entry, "conversation", alias_or_null(r, get(e, "conversation")));
        put(entry, "skipped", copy(e, "skipped"));
        put(entry, "read", copy(e, "read"));
        put(entry, "replied", copy(e, "replied"));
        put(entry, "awaiting_response", copy(e, "awaiting_response"));
        put(entry, "overdue", copy(e, "overdue"));
        cJSON_AddItemToArray(entries, entry);
    }
    o->actual = cJSON_CreateObject();
    put(o->actual, "entries", entries);
    cJSON_Delete(v);
    return PMSG_OK;
}

/* `assign` (SPEC section 17): `note` absent or null is no note (NULL). A note
 * that is not text cannot be passed as a C string: refused here. */
static int32_t op_assign(runner *r, const cJSON *step, span raw, int64_t now, outcome *o) {
    const cJSON *note = get(step, "note");
    int32_t st;
    if (note != NULL && !cJSON_IsNull(note) && !cJSON_IsString(note)) {
        char *shown = show_raw(raw, step, note);
        refuse(o, PMSG_INVALID_ARGUMENT,
               fmt("invalid argument: note %s is not text (R-AS1)", shown));
        free(shown);
        return o->status;
    }
    st = pmsg_assign(r->store, str_of(step, "by"), conv_of(r, step), str_of(step, "to"),
                     cJSON_IsString(note) ? note->valuestring : NULL, now);
    return st == PMSG_OK ? PMSG_OK : failed(o, st);
}

static int32_t op_view(runner *r, const cJSON *step, int64_t now, outcome *o) {
    cJSON *v, *messages, *assignments;
    const cJSON *m, *a;
    if (fetch_view(r, str_of(step, "by"), conv_of(r, step), now, &v, o)) return o->status;
    messages = cJSON_CreateArray();
    assignments = cJSON_CreateArray();
    for (a = items(v, "assignments"); a != NULL; a = a->next) {
        cJSON *entry = cJSON_CreateObject();
        put(entry, "by", copy(a, "by"));
        put(entry, "to", copy(a, "to"));
        put(entry, "note", copy(a, "note"));
        put(entry, "at", copy(a, "at"));
        cJSON_AddItemToArray(assignments, entry);
    }
    for (m = items(v, "messages"); m != NULL; m = m->next) {
        cJSON *msg = cJSON_CreateObject(), *atts = cJSON_CreateArray();
        const cJSON *id = get(m, "id");
        put(msg, "sender", copy(m, "sender"));
        put(msg, "from", copy(m, "from"));
        put(msg, "body", copy(m, "body"));
        put(msg, "read", copy(m, "read"));
        put(msg, "masked", copy(m, "masked"));
        put(msg, "message", alias_or_null(r, id));
        for (a = items(m, "attachments"); a != NULL; a = a->next) {
            cJSON *att = cJSON_CreateObject();
            put(att, "name", copy(a, "name"));
            put(att, "purged", copy(a, "purged"));
            put(att, "size", copy(a, "size"));
            cJSON_AddItemToArray(atts, att);
        }
        put(msg, "attachments", atts);
        cJSON_AddItemToArray(messages, msg);
    }
    o->actual = cJSON_CreateObject();
    put(o->actual, "status", copy(v, "status"));
    put(o->actual, "awaiting_response", copy(v, "awaiting_response"));
    put(o->actual, "overdue", copy(v, "overdue"));
    put(o->actual, "response_due_at", copy(v, "response_due_at"));
    put(o->actual, "subject", copy(v, "subject"));
    put(o->actual, "confidential", copy(v, "confidential"));
    put(o->actual, "messages", messages);
    put(o->actual, "assignments", assignments);
    cJSON_Delete(v);
    return PMSG_OK;
}

static int32_t op_download(runner *r, const cJSON *step, int64_t now, outcome *o) {
    const char *conv = conv_of(r, step), *name = str_of(step, "attachment"), *id = name;
    const attachment *found = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0, i;
    int32_t st;
    for (i = 0; i < r->natts && found == NULL; i++)
        if (strcmp(r->atts[i].conversation, conv) == 0 && strcmp(r->atts[i].name, name) == 0)
            found = &r->atts[i];
    if (found != NULL) id = found->id;
    for (i = 0; i < r->natts && found == NULL; i++) /* a literal id */
        if (strcmp(r->atts[i].id, id) == 0) found = &r->atts[i];
    st = pmsg_download(r->store, str_of(step, "by"), conv, id, now, &bytes, &len);
    if (st != PMSG_OK) return failed(o, st);
    pmsg_bytes_free(bytes, len);
    o->actual = cJSON_CreateObject();
    put(o->actual, "size", cJSON_CreateNumber((double)len));
    /* pmsg_download gives only the bytes; name and media type are the runner's records. */
    if (found != NULL) {
        put(o->actual, "name", cJSON_CreateString(found->name));
        if (found->media_type) put(o->actual, "media_type", cJSON_CreateString(found->media_type));
    }
    return PMSG_OK;
}

/* A step's optional integer `limit` (the events ops) into *n: -1 (the ABI's
 * "all") when absent or null. A limit that is not an integer, or is
 * negative, is refused here as the core refuses it (R-D5): the ABI's -1
 * means "all", so a scenario's -1 cannot be passed on. */
static int32_t step_limit(const cJSON *step, span raw, int64_t *n, outcome *o) {
    const cJSON *limit = get(step, "limit");
    int64_t i64;
    uint64_t u64;
    int is_i64 = 0, is_u64 = 0;
    *n = -1;
    if (limit == NULL || cJSON_IsNull(limit)) return PMSG_OK;
    if (!cJSON_IsNumber(limit) ||
        !raw_integer(raw_child(raw, step, limit, NULL), &i64, &u64, &is_i64, &is_u64) ||
        !is_i64) {
        char *shown = show_raw(raw, step, limit);
        refuse(o, PMSG_INVALID_ARGUMENT,
               fmt("invalid argument: limit %s is not an integer (R-D5)", shown));
        free(shown);
        return o->status;
    }
    if (i64 < 0)
        return refuse(o, PMSG_INVALID_ARGUMENT,
                      fmt("invalid argument: event limit %" PRId64 " is negative (R-D5)", i64));
    *n = i64;
    return PMSG_OK;
}

/* The events of a due_events, deliver or claim result (`v`, taken): acknowledged
 * first when `ack`, then shaped as the Rust runner shapes them. */
static int32_t events_result(const runner *r, cJSON *v, int64_t now, int ack, outcome *o) {
    const cJSON *e;
    cJSON *events;
    if (ack) {
        for (e = v->child; e != NULL; e = e->next) {
            const cJSON *id = get(e, "id");
            int32_t st = pmsg_ack(r->store, cJSON_IsString(id) ? id->valuestring : "", now);
            if (st != PMSG_OK) {
                cJSON_Delete(v);
                return failed(o, st);
            }
        }
    }
    events = cJSON_CreateArray();
    for (e = v->child; e != NULL; e = e->next) {
        cJSON *ev = cJSON_CreateObject();
        put(ev, "kind", copy(e, "kind"));
        put(ev, "to", copy(e, "to"));
        put(ev, "conversation", alias_or_null(r, get(e, "conversation")));
        put(ev, "message", alias_or_null(r, get(e, "message")));
        put(ev, "due_at", copy(e, "due_at"));
        put(ev, "id", copy(e, "id"));
        /* Only a claim shows it (R-D7): absent here, `expect` cannot find it. */
        if (get(e, "claimed_until") != NULL) put(ev, "claimed_until", copy(e, "claimed_until"));
        cJSON_AddItemToArray(events, ev);
    }
    cJSON_Delete(v);
    o->actual = cJSON_CreateObject();
    put(o->actual, "events", events);
    return PMSG_OK;
}

static int32_t op_events(runner *r, const cJSON *step, span raw, int64_t now, int deliver,
                         outcome *o) {
    int64_t n;
    cJSON *v;
    if (step_limit(step, raw, &n, o)) return o->status;
    if (fetch_due_events(r, now, n, &v, o)) return o->status;
    return events_result(r, v, now, deliver, o);
}

/* `claim` (R-D7): worker, lease_seconds, limit and ack, checked in the
 * core's order (worker, limit, lease) as far as the runner must check them:
 * what C cannot carry (a lease or limit that is no integer, a limit of -1)
 * is refused here. */
static int32_t op_claim(runner *r, const cJSON *step, span raw, int64_t now, outcome *o) {
    const cJSON *lease = get(step, "lease_seconds"), *ack = get(step, "ack");
    int64_t n, seconds = 0;
    uint64_t u64;
    int is_i64 = 0, is_u64 = 0;
    cJSON *v;
    if (step_limit(step, raw, &n, o)) return o->status;
    if (lease == NULL || cJSON_IsNull(lease))
        return refuse(o, PMSG_INVALID_ARGUMENT,
                      xstrdup("invalid argument: lease_seconds is missing (R-D7)"));
    if (!cJSON_IsNumber(lease) ||
        !raw_integer(raw_child(raw, step, lease, NULL), &seconds, &u64, &is_i64, &is_u64) ||
        !is_i64) {
        char *shown = show_raw(raw, step, lease);
        refuse(o, PMSG_INVALID_ARGUMENT,
               fmt("invalid argument: lease_seconds %s is not an integer (R-D7)", shown));
        free(shown);
        return o->status;
    }
    if (ack != NULL && !cJSON_IsBool(ack)) {
        char *shown = show_raw(raw, step, ack);
        refuse(o, PMSG_INVALID_ARGUMENT,
               fmt("invalid argument: ack %s is not true or false", shown));
        free(shown);
        return o->status;
    }
    if (fetch_claim(r, str_of(step, "worker"), now, n, seconds, &v, o)) return o->status;
    return events_result(r, v, now, cJSON_IsTrue(ack), o);
}

static int32_t op_folder(runner *r, const cJSON *step, span raw, int64_t now, outcome *o) {
    const cJSON *size = get(step, "page_size"), *e;
    uint32_t page_size = 0; /* 0: the default */
    int paged = 0;
    char *cursor = NULL;
    cJSON *pages, *entries, *conversations;
    if (size != NULL && !cJSON_IsNull(size)) {
        int64_t i64;
        uint64_t u64;
        int is_i64 = 0, is_u64 = 0;
        if (!cJSON_IsNumber(size) ||
            !raw_integer(raw_child(raw, step, size, NULL), &i64, &u64, &is_i64, &is_u64) ||
            !is_u64 || u64 > UINT32_MAX) {
            char *shown = show_raw(raw, step, size);
            refuse(o, PMSG_INVALID_ARGUMENT,
                   fmt("invalid argument: page_size %s is not a positive integer", shown));
            free(shown);
            return o->status;
        }
        /* The ABI's 0 means "the default"; the core refuses a page size of 0. */
        if (u64 == 0)
            return refuse(o, PMSG_INVALID_ARGUMENT,
                          xstrdup("invalid argument: page size 0 must be 1..=1000 (\xC2\xA7"
                                  "7)"));
        page_size = (uint32_t)u64;
        paged = 1;
    }
    pages = cJSON_CreateArray();
    entries = cJSON_CreateArray();
    for (;;) {
        cJSON *page, *aliases = cJSON_CreateArray();
        const cJSON *next;
        int32_t st = fetch_folder(r, str_of(step, "by"), str_of(step, "folder"), cursor, page_size,
                                  now, &page, o);
        free(cursor);
        cursor = NULL;
        if (st != PMSG_OK) {
            cJSON_Delete(aliases);
            cJSON_Delete(pages);
            cJSON_Delete(entries);
            return o->status;
        }
        for (e = items(page, "entries"); e != NULL; e = e->next) {
            const cJSON *conv = get(e, "conversation");
            cJSON *entry = cJSON_CreateObject();
            cJSON_AddItemToArray(aliases, alias_or_null(r, conv));
            put(entry, "conversation", alias_or_null(r, conv));
            put(entry, "unread", copy(e, "unread"));
            put(entry, "awaiting_response", copy(e, "awaiting_response"));
            put(entry, "overdue", copy(e, "overdue"));
            put(entry, "response_due_at", copy(e, "response_due_at"));
            put(entry, "subject", copy(e, "subject"));
            put(entry, "status", copy(e, "status"));
            cJSON_AddItemToArray(entries, entry);
        }
        cJSON_AddItemToArray(pages, aliases);
        next = get(page, "next_cursor");
        if (cJSON_IsString(next)) cursor = xstrdup(next->valuestring);
        cJSON_Delete(page);
        if (!paged || cursor == NULL) break;
    }
    free(cursor);
    conversations = cJSON_CreateArray();
    for (e = entries->child; e != NULL; e = e->next)
        cJSON_AddItemToArray(conversations, copy(e, "conversation"));
    o->actual = cJSON_CreateObject();
    put(o->actual, "conversations", conversations);
    put(o->actual, "entries", entries);
    put(o->actual, "pages", pages);
    return PMSG_OK;
}

typedef struct {
    char *conversation, *attachment;
} purged;

static int purged_order(const void *x, const void *y) {
    const purged *a = x, *b = y;
    int c = strcmp(a->conversation, b->conversation);
    return c ? c : strcmp(a->attachment, b->attachment);
}

static int32_t op_purge(runner *r, int64_t now, outcome *o) {
    cJSON *v, *list;
    const cJSON *p;
    purged *rows;
    size_t n, i = 0;
    if (fetch_purge(r, now, &v, o)) return o->status;
    n = (size_t)cJSON_GetArraySize(v);
    rows = xmalloc(n * sizeof *rows);
    for (p = v->child; p != NULL; p = p->next, i++) {
        const cJSON *conv = get(p, "conversation");
        const cJSON *name = get(p, "name");
        const char *id = cJSON_IsString(conv) ? conv->valuestring : "";
        const char *alias = map_get(&r->reverse, id);
        rows[i].conversation = xstrdup(alias ? alias : id);
        rows[i].attachment = xstrdup(cJSON_IsString(name) ? name->valuestring : "");
    }
    qsort(rows, n, sizeof *rows, purged_order);
    list = cJSON_CreateArray();
    for (i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        put(item, "conversation", cJSON_CreateString(rows[i].conversation));
        put(item, "attachment", cJSON_CreateString(rows[i].attachment));
        cJSON_AddItemToArray(list, item);
        free(rows[i].conversation);
        free(rows[i].attachment);
    }
    free(rows);
    cJSON_Delete(v);
    o->actual = cJSON_CreateObject();
    put(o->actual, "purged", list);
    return PMSG_OK;
}

static int32_t op_billing(runner *r, const cJSON *step, outcome *o) {
    cJSON *v, *entries, *totals;
    const cJSON *e;
    if (fetch_billing(r, str_of(step, "cycle"), &v, o)) return o->status;
    entries = cJSON_CreateArray();
    for (e = items(v, "entries"); e != NULL; e = e->next) {
        cJSON *entry = cJSON_CreateObject();
        put(entry, "fee_code", copy(e, "fee_code"));
        put(entry, "author", copy(e, "author"));
        put(entry, "patient", copy(e, "patient"));
        put(entry, "conversation", alias_or_null(r, get(e, "conversation")));
        put(entry, "sent_at", copy(e, "sent_at"));
        cJSON_AddItemToArray(entries, entry);
    }
    totals = cJSON_CreateArray();
    for (e = items(v, "totals"); e != NULL; e = e->next) {
        cJSON *total = cJSON_CreateObject();
        put(total, "author", copy(e, "author"));
        put(total, "fee_code", copy(e, "fee_code"));
        put(total, "count", copy(e, "count"));
        cJSON_AddItemToArray(totals, total);
    }
    cJSON_Delete(v);
    o->actual = cJSON_CreateObject();
    put(o->actual, "entries", entries);
    put(o->actual, "totals", totals);
    return PMSG_OK;
}

static int32_t op_audit_tail(runner *r, const cJSON *step, span raw, outcome *o) {
    const cJSON *count = get(step, "count"), *e;
    int64_t i64 = 0;
    uint64_t u64;
    int is_i64 = 0, is_u64 = 0;
    char *text = NULL;
    cJSON *v, *entries;
    if (count == NULL)
        return refuse(o, PMSG_INVALID_ARGUMENT,
                      xstrdup("invalid argument: audit_tail needs a count"));
    if (!cJSON_IsNumber(count) ||
        !raw_integer(raw_child(raw, step, count, NULL), &i64, &u64, &is_i64, &is_u64) || !is_i64) {
        char *shown = show_raw(raw, step, count);
        refuse(o, PMSG_INVALID_ARGUMENT,
               fmt("invalid argument: count %s is not an integer", shown));
        free(shown);
        return o->status;
    }
    if (take_json(o, pmsg_audit_tail_json(r->store, i64, &text), &text, &v)) return o->status;
    entries = cJSON_CreateArray();
    for (e = v->child; e != NULL; e = e->next) {
        cJSON *entry = cJSON_CreateObject();
        put(entry, "actor", copy(e, "actor"));
        put(entry, "action", copy(e, "action"));
        put(entry, "conversation", alias_or_null(r, get(e, "conversation")));
        put(entry, "message", alias_or_null(r, get(e, "message")));
        cJSON_AddItemToArray(entries, entry);
    }
    cJSON_Delete(v);
    o->actual = cJSON_CreateObject();
    put(o->actual, "entries", entries);
    return PMSG_OK;
}

/* One operation through the C ABI; fills `o`. */
static void perform(runner *r, const char *op, const cJSON *step, span raw, int64_t now,
                    outcome *o) {
    const char *by = str_of(step, "by");
    char *text = NULL;
    cJSON *v;
    o->status = PMSG_OK;
    o->message = NULL;
    o->actual = NULL;
    if (strcmp(op, "directory") == 0) {
        buf b = {NULL, 0, 0};
        int first = 1;
        char *json;
        int32_t st;
        buf_puts(&b, "{");
        raw_members(&b, raw, step, DIRECTORY_KEYS, 1, &first);
        buf_puts(&b, "}");
        json = buf_take(&b);
        st = pmsg_directory_upsert_json(r->store, json);
        free(json);
        if (st != PMSG_OK) failed(o, st);
    } else if (strcmp(op, "search") == 0) {
        const cJSON *m;
        cJSON *list;
        if (fetch_search(r, str_of(step, "query"), now, &v, o)) return;
        list = cJSON_CreateArray();
        o->actual = cJSON_CreateObject();
        put(o->actual, "matches", list);
        for (m = v->child; m != NULL; m = m->next) {
            cJSON *match = cJSON_CreateObject();
            put(match, "emr_id", copy(m, "emr_id"));
            put(match, "deliver_to", copy(m, "deliver_to"));
            put(match, "confidential_deliver_to", copy(m, "confidential_deliver_to"));
            put(match, "first_name", copy(m, "first_name"));
            put(match, "last_name", copy(m, "last_name"));
            cJSON_AddItemToArray(list, match);
        }
        cJSON_Delete(v);
    } else if (strcmp(op, "send") == 0) {
        op_send(r, step, raw, now, o);
    } else if (strcmp(op, "reply") == 0) {
        op_reply(r, step, raw, now, o);
    } else if (strcmp(op, "read") == 0) {
        int32_t st = pmsg_read(r->store, by, conv_of(r, step), now);
        if (st != PMSG_OK) failed(o, st);
    } else if (strcmp(op, "close") == 0) {
        int32_t st = pmsg_close_conversation(r->store, by, conv_of(r, step), now);
        if (st != PMSG_OK) failed(o, st);
    } else if (strcmp(op, "view") == 0) {
        op_view(r, step, now, o);
    } else if (strcmp(op, "download") == 0) {
        op_download(r, step, now, o);
    } else if (strcmp(op, "due_events") == 0 || strcmp(op, "deliver") == 0) {
        op_events(r, step, raw, now, strcmp(op, "deliver") == 0, o);
    } else if (strcmp(op, "claim") == 0) {
        op_claim(r, step, raw, now, o);
    } else if (strcmp(op, "send_group") == 0) {
        op_send_group(r, step, raw, now, o);
    } else if (strcmp(op, "group_report") == 0) {
        op_group_report(r, step, now, o);
    } else if (strcmp(op, "assign") == 0) {
        op_assign(r, step, raw, now, o);
    } else if (strcmp(op, "ack") == 0) {
        int32_t st = pmsg_ack(r->store, str_of(step, "event_id"), now);
        if (st != PMSG_OK) failed(o, st);
    } else if (strcmp(op, "folder") == 0) {
        op_folder(r, step, raw, now, o);
    } else if (strcmp(op, "purge") == 0) {
        op_purge(r, now, o);
    } else if (strcmp(op, "billing_report") == 0) {
        op_billing(r, step, o);
    } else if (strcmp(op, "export_chart") == 0) {
        int32_t st =
            pmsg_export_chart(r->store, by, conv_of(r, step), str_of(step, "format"), now, &text);
        if (st != PMSG_OK) {
            failed(o, st);
        } else {
            o->actual = cJSON_CreateObject();
            put(o->actual, "document", cJSON_CreateString(text));
            pmsg_string_free(text);
        }
    } else if (strcmp(op, "audit_tail") == 0) {
        op_audit_tail(r, step, raw, o);
    } else if (strcmp(op, "verify_audit") == 0) {
        if (take_json(o, pmsg_verify_audit_json(r->store, &text), &text, &v)) return;
        o->actual = cJSON_CreateObject();
        put(o->actual, "ok", copy(v, "ok"));
        put(o->actual, "entries", copy(v, "entries"));
        put(o->actual, "first_broken", copy(v, "first_broken"));
        cJSON_Delete(v);
    } else {
        refuse(o, PMSG_INTERNAL, fmt("op \"%s\" not dispatched", op));
    }
    if (o->status == PMSG_OK && o->actual == NULL) o->actual = cJSON_CreateObject();
}

/* The keys each op takes, besides at, op and expect (the Rust runner's lists). */
static const char *const *allowed_keys(const char *op) {
    static const char *const directory[] = {"accounts", "patients",   "connections",
                                            "staff",    "workgroups", NULL};
    static const char *const search[] = {"query", NULL};
    static const char *const send[] = {"author",
                                       "patient",
                                       "from",
                                       "subject",
                                       "body",
                                       "attachments",
                                       "unread_notify",
                                       "response",
                                       "allow_reply_attachments",
                                       "mask_name",
                                       "billable_fee_code",
                                       "file_to_chart",
                                       "confidential",
                                       "as",
                                       "message_as",
                                       NULL};
    static const char *const send_group[] = {"author",
                                             "patients",
                                             "from",
                                             "subject",
                                             "body",
                                             "attachments",
                                             "unread_notify",
                                             "response",
                                             "allow_reply_attachments",
                                             "mask_name",
                                             "billable_fee_code",
                                             "file_to_chart",
                                             "confidential",
                                             "as_group",
                                             "conversations_as",
                                             "messages_as",
                                             NULL};
    static const char *const reply[] = {"by",
                                        "conversation",
                                        "body",
                                        "attachments",
                                        "message_as",
                                        "from",
                                        "unread_notify",
                                        "response",
                                        "allow_reply_attachments",
                                        "mask_name",
                                        "billable_fee_code",
                                        "file_to_chart",
                                        "confidential",
                                        NULL};
    static const char *const by_conversation[] = {"by", "conversation", NULL};
    static const char *const download[] = {"by", "conversation", "attachment", NULL};
    static const char *const limit[] = {"limit", NULL};
    static const char *const ack[] = {"event_id", NULL};
    static const char *const claim[] = {"worker", "lease_seconds", "limit", "ack", NULL};
    static const char *const group_report[] = {"by", "group", NULL};
    static const char *const assign[] = {"by", "conversation", "to", "note", NULL};
    static const char *const folder[] = {"by", "folder", "page_size", NULL};
    static const char *const none[] = {NULL};
    static const char *const billing[] = {"cycle", NULL};
    static const char *const export_chart[] = {"by", "conversation", "format", NULL};
    static const char *const audit_tail[] = {"count", NULL};
    static const struct {
        const char *op;
        const char *const *keys;
    } table[] = {
        {"directory", directory},
        {"search", search},
        {"send", send},
        {"reply", reply},
        {"read", by_conversation},
        {"view", by_conversation},
        {"close", by_conversation},
        {"download", download},
        {"due_events", limit},
        {"deliver", limit},
        {"ack", ack},
        {"claim", claim},
        {"send_group", send_group},
        {"group_report", group_report},
        {"assign", assign},
        {"folder", folder},
        {"purge", none},
        {"verify_audit", none},
        {"billing_report", billing},
        {"export_chart", export_chart},
        {"audit_tail", audit_tail},
    };
    size_t i;
    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].op, op) == 0) return table[i].keys;
    return NULL;
}

/* NULL when every key of `obj` is in one of the lists; else why not. */
static char *check_keys(const cJSON *obj, const char *const *allowed, const char *const *more,
                        const char *what) {
    const cJSON *c;
    if (!cJSON_IsObject(obj)) return fmt("%s is not an object", what);
    for (c = obj->child; c != NULL; c = c->next) {
        int known = 0;
        const char *const *k;
        for (k = allowed; *k != NULL; k++) known |= strcmp(*k, c->string) == 0;
        for (k = more; k != NULL && *k != NULL; k++) known |= strcmp(*k, c->string) == 0;
        if (!known) return fmt("unknown key \"%s\" in %s", c->string, what);
    }
    return NULL;
}

/* `chart_contains`, `contains`, `not_contains`: substrings of the result's document. */
static char *check_text(cJSON *exp, const cJSON *actual) {
    static const char *const keys[] = {"chart_contains", "contains", "not_contains"};
    const cJSON *document = get(actual, "document");
    const char *doc = cJSON_IsString(document) ? document->valuestring : "";
    size_t k;
    for (k = 0; k < 3; k++) {
        int want = k < 2;
        cJSON *list = NULL, *earlier;
        const cJSON *s;
        char *why = NULL;
        while ((earlier = cJSON_DetachItemViaPointer(exp, (cJSON *)get(exp, keys[k]))) != NULL) {
            if (list == NULL)
                list = earlier;
            else
                cJSON_Delete(earlier);
        }
        if (list == NULL) continue;
        if (k == 0 && document == NULL) {
            why = xstrdup("chart_contains given but no chart document was returned");
        } else if (!cJSON_IsArray(list)) {
            why = fmt("%s is not a list", keys[k]);
        } else {
            for (s = list->child; s != NULL && why == NULL; s = s->next) {
                if (!cJSON_IsString(s)) {
                    char *shown = show(s);
                    why = fmt("%s entry %s is not a string", keys[k], shown);
                    free(shown);
                } else if ((strstr(doc, s->valuestring) != NULL) != want) {
                    char *shown = show(s);
                    why = fmt("expected the document %s %s; document:\n%s",
                              want ? "to contain" : "not to contain", shown, doc);
                    free(shown);
                }
            }
        }
        cJSON_Delete(list);
        if (why) return why;
    }
    return NULL;
}

/* The `at` of a step: RFC 3339 with a T (pmsg_core::deadline::parse_instant), in ms. */
static int instant_ms(const char *at, int64_t *ms) {
    instant t;
    if (!parse_rfc3339(at, &t) || (at[10] != 'T' && at[10] != 't')) return 0;
    *ms = t.secs * 1000 + t.nanos / 1000000;
    return 1;
}

/* One step: NULL when it did what it expects; else why not. */
static char *run_step(runner *r, const cJSON *step, span raw) {
    static const char *const always[] = {"at", "op", "expect", NULL};
    const cJSON *op = get(step, "op");
    const cJSON *at = get(step, "at");
    const cJSON *expect = get(step, "expect"), *code;
    const char *const *allowed;
    cJSON *args;
    int64_t now;
    outcome o;
    char *why;
    if (!cJSON_IsString(op)) return xstrdup("no \"op\"");
    if (!cJSON_IsString(at)) return xstrdup("no \"at\"");
    if (!instant_ms(at->valuestring, &now))
        return fmt("invalid_argument (invalid argument: instant \"%s\" is not an RFC 3339 "
                   "date-time with seconds and an offset, "
                   "like 2026-03-10T09:00:00-04:00 (R-T1))",
                   at->valuestring);
    if ((allowed = allowed_keys(op->valuestring)) == NULL)
        return fmt("unknown op \"%s\"", op->valuestring);
    if ((why = check_keys(step, always, allowed, "the step")) != NULL) return why;
    /* The arguments with the repeat shorthand expanded (the raw text, which
     * requests are built from, stays as written: see the top of this file). */
    args = cJSON_Duplicate(step, 1);
    expand_shorthands(args, raw);
    perform(r, op->valuestring, args, raw, now, &o);
    cJSON_Delete(args);
    code = cJSON_IsObject(expect) ? get(expect, "error") : NULL;
    if (code != NULL) {
        char *want = show(code);
        if (o.status == PMSG_OK)
            why = fmt("expected error %s, got success", want);
        else if (!cJSON_IsString(code) ||
                 strcmp(code->valuestring, pmsg_status_name(o.status)) != 0)
            why = fmt("expected error %s, got error %s (%s)", want, pmsg_status_name(o.status),
                      o.message);
        free(want);
    } else if (o.status != PMSG_OK) {
        why = fmt("expected success, got error %s (%s)", pmsg_status_name(o.status), o.message);
    } else {
        cJSON *exp = cJSON_IsObject(expect) ? cJSON_Duplicate(expect, 1) : cJSON_CreateObject();
        expand_shorthands(exp, raw_child(raw, step, expect, NULL)); /* FORMAT.md: `expect` too */
        why = check_text(exp, o.actual);
        if (why == NULL) why = matches(exp, o.actual, "");
        cJSON_Delete(exp);
    }
    free(o.message);
    cJSON_Delete(o.actual);
    return why;
}

static void runner_free(runner *r) {
    size_t i;
    pmsg_close(r->store);
    map_free(&r->conversations);
    map_free(&r->groups);
    map_free(&r->reverse);
    for (i = 0; i < r->natts; i++) {
        free(r->atts[i].conversation);
        free(r->atts[i].name);
        free(r->atts[i].id);
        free(r->atts[i].media_type);
    }
    free(r->atts);
}

/* Opens the store of one scenario. With PMSG_TEST_DATABASE_URL set (a
 * postgres:// URL; scripts/with-postgres sets it), a fresh PostgreSQL
 * schema of that database: the URL with `pmsg_schema=` a name that no other
 * scenario, process or run uses (pid, counter, clock; pmsg creates the
 * schema). Otherwise a private in-memory store. The first call says which. */
static int32_t open_store(const char *config_json, pmsg_store **out) {
    static unsigned long counter;
    const char *url = getenv("PMSG_TEST_DATABASE_URL");
    struct timespec now;
    char *full;
    int32_t st;
    if (url == NULL || *url == '\0') {
        if (counter++ == 0) printf("backend: SQLite in memory\n");
        return pmsg_open_in_memory(config_json, out);
    }
    if (counter == 0)
        printf("backend: PostgreSQL (PMSG_TEST_DATABASE_URL), a fresh schema per scenario\n");
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) now.tv_sec = now.tv_nsec = 0;
    full = fmt("%s%cpmsg_schema=pmsg_c_%ld_%lu_%ld_%09ld", url, strchr(url, '?') ? '&' : '?',
               (long)getpid(), counter++, (long)now.tv_sec, (long)now.tv_nsec);
    st = pmsg_open(full, config_json, out);
    free(full);
    return st;
}

/* The setup: config and directory. NULL when it worked; else why not. */
static char *setup(runner *r, const cJSON *scenario, span raw) {
    static const char *const top[] = {"name",  "rules",       "config", "directory",
                                      "steps", "description", NULL};
    const cJSON *config = get(scenario, "config");
    const cJSON *directory = get(scenario, "directory");
    char *why = check_keys(scenario, top, NULL, "the scenario"), *text;
    int32_t st;
    if (why) return why;
    text = NULL; /* NULL: the defaults */
    if (config) {
        span v = raw_child(raw, scenario, config, NULL);
        text = xstrndup(v.p, v.n);
    }
    st = open_store(text, &r->store);
    free(text);
    if (st != PMSG_OK) return fmt("%s (%s)", pmsg_status_name(st), pmsg_last_error_message());
    if (directory) {
        span v = raw_child(raw, scenario, directory, NULL);
        text = xstrndup(v.p, v.n);
        st = pmsg_directory_upsert_json(r->store, text);
        free(text);
        if (st != PMSG_OK) return fmt("%s (%s)", pmsg_status_name(st), pmsg_last_error_message());
    }
    return NULL;
}

/* Reads a whole file; NULL (and errno) when it cannot. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    buf b = {NULL, 0, 0};
    char chunk[65536];
    size_t n;
    int err;
    if (f == NULL) return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, n);
    err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (err) {
        free(b.s);
        errno = err;
        return NULL;
    }
    *len = b.len;
    return buf_take(&b);
}

/* Runs one scenario file: NULL when it passes; else why not. */
static char *run_file(const char *path) {
    size_t len = 0;
    char *text = read_file(path, &len), *why = NULL;
    cJSON *scenario;
    const cJSON *steps, *step;
    runner r;
    span raw, raw_steps;
    int i = 0;
    if (text == NULL) return fmt("cannot read: %s", strerror(errno));
    if (memchr(text, '\0', len) != NULL || !utf8_valid((const unsigned char *)text, len)) {
        free(text);
        return xstrdup("cannot read: stream did not contain valid UTF-8");
    }
    if (!json_valid(text, len) || (scenario = cJSON_ParseWithLength(text, len)) == NULL) {
        free(text);
        return xstrdup("not JSON");
    }
    raw.p = skip_ws(text, text + len);
    raw.n = (size_t)(scan_value(raw.p, text + len, 0) - raw.p);
    memset(&r, 0, sizeof r);
    if ((why = setup(&r, scenario, raw)) != NULL) {
        char *full = fmt("step 0 (setup): %s", why);
        free(why);
        why = full;
    } else if (!cJSON_IsArray(steps = get(scenario, "steps"))) {
        why = xstrdup("step 0 (setup): no \"steps\" list");
    } else {
        raw_steps = raw_child(raw, scenario, steps, NULL);
        for (step = steps->child; step != NULL && why == NULL; step = step->next, i++) {
            const cJSON *op = get(step, "op");
            char *step_why = run_step(&r, step, raw_child(raw_steps, steps, step, NULL));
            if (step_why) {
                why = fmt("step %d (%s): %s", i + 1, cJSON_IsString(op) ? op->valuestring : "?",
                          step_why);
                free(step_why);
            }
        }
    }
    runner_free(&r);
    cJSON_Delete(scenario);
    free(text);
    return why;
}

/* ------------------------------------------------------------------------ */
/* Files and folders                                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
    char **v;
    size_t n, cap;
} list;

static void list_push(list *l, char *s) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rust's Path::extension() == "json": a last dot that does not start the name. */
static int json_name(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot != NULL && dot != name && strcmp(dot, ".json") == 0;
}

/* Adds a file, or a folder's *.json sorted by name; 0 (with a message) when the path is neither. */
static int expand(const char *path, list *files) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        list names = {NULL, 0, 0};
        size_t i, len = strlen(path);
        if (d == NULL) {
            fprintf(stderr, "cannot read folder %s: %s\n", path, strerror(errno));
            return 0;
        }
        while ((e = readdir(d)) != NULL)
            if (json_name(e->d_name)) list_push(&names, xstrdup(e->d_name));
        closedir(d);
        qsort(names.v, names.n, sizeof *names.v, by_name);
        for (i = 0; i < names.n; i++) {
            list_push(files,
                      fmt("%s%s%s", path, len && path[len - 1] == '/' ? "" : "/", names.v[i]));
            free(names.v[i]);
        }
        free(names.v);
        return 1;
    }
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        list_push(files, xstrdup(path));
        return 1;
    }
    fprintf(stderr, "no such file or folder: %s\n", path);
    return 0;
}

int main(int argc, char **argv) {
    list files = {NULL, 0, 0};
    size_t i, passed = 0, fails = 0;
    int ok = 1, a = 1;
    if (a < argc && strcmp(argv[a], "--typed") == 0) typed = 1, a++;
    if (a == argc) ok = expand(PMSG_SCENARIOS_DIR, &files);
    for (; a < argc && ok; a++) ok = expand(argv[a], &files);
    if (!ok) {
        for (i = 0; i < files.n; i++) free(files.v[i]);
        free(files.v);
        return 2;
    }
    for (i = 0; i < files.n; i++) {
        char *why = run_file(files.v[i]);
        if (why == NULL) {
            passed++;
            printf("PASS %s\n", files.v[i]);
        } else {
            fails++;
            printf("FAIL %s: %s\n", files.v[i], why);
            free(why);
        }
        fflush(stdout);
        free(files.v[i]);
    }
    free(files.v);
    printf("%lu passed, %lu failed\n", (unsigned long)passed, (unsigned long)fails);
    return fails == 0 ? 0 : 1;
}
