/*
 * The C side of pmsg-bench's ffi_overhead_ns figure: times, on the store
 * pmsg-bench measures and with the arguments it times directly,
 *
 *   view             pmsg_conversation_view, every field of the view read
 *                    through the pmsg_view_* accessors, pmsg_view_free;
 *   due_events       pmsg_events_due(now, LIMIT), every field a host needs
 *                    to send a notice (id, kind, to, conversation, message,
 *                    due_at, notice) read through the pmsg_events_*
 *                    accessors, pmsg_events_free;
 *   view_json        pmsg_view_json + pmsg_string_free (the JSON path);
 *   due_events_json  pmsg_due_events_json + pmsg_string_free.
 *
 *   ffi_overhead DB BY CONVERSATION NOW_MS LIMIT BATCHES CALLS
 *
 * After one warm-up batch of each, prints BATCHES groups of lines
 *
 *   view <mean ns per call of a batch of CALLS calls>
 *   due_events <the same>
 *   view_json <the same>
 *   due_events_json <the same>
 *
 * Every accessor's status is checked, as a host checks it; each string
 * read is touched (its first byte), as the Rust side touches its own.
 * pmsg-bench compiles it at run time (cc -O2 -std=c99) against
 * include/pmsg.h and the release libpmsg.a. C99, POSIX clock_gettime.
 */
#define _POSIX_C_SOURCE 199309L
#include "pmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const struct pmsg_store *store;
static const char *by, *conversation;
static int64_t now_ms, limit;
/* What the reads add up to, printed at the end so that none is optimized away. */
static unsigned long sink;

static void fail(const char *what, pmsg_status status) {
    fprintf(stderr, "ffi_overhead: %s: %s: %s\n", what, pmsg_status_name(status),
            pmsg_last_error_message());
    exit(1);
}

/* Checks a call's status and touches the string it lent (NULL for none). */
#define TEXT(call)                                    \
    do {                                              \
        const char *s_ = NULL;                        \
        pmsg_status st_ = (call);                     \
        if (st_ != PMSG_OK) fail(#call, st_);         \
        sink += s_ != NULL ? (unsigned char)*s_ : 1u; \
    } while (0)
#define S (&s_)
/* Checks a call's status and reads the number it wrote. */
#define NUMBER(type, call)                    \
    do {                                      \
        type v_ = 0;                          \
        pmsg_status st_ = (call);             \
        if (st_ != PMSG_OK) fail(#call, st_); \
        sink += (unsigned long)v_;            \
    } while (0)
#define V (&v_)

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Checks a count accessor's status (the count is in its out-pointer). */
#define COUNT(call)                           \
    do {                                      \
        pmsg_status st_ = (call);             \
        if (st_ != PMSG_OK) fail(#call, st_); \
    } while (0)

static void view(void) {
    pmsg_view *v = NULL;
    size_t m, nm = 0, a, na = 0, r, nr = 0;
    pmsg_status st = pmsg_conversation_view(store, by, conversation, now_ms, &v);
    if (st != PMSG_OK) fail("pmsg_conversation_view", st);
    TEXT(pmsg_view_id(v, S));
    TEXT(pmsg_view_subject(v, S));
    TEXT(pmsg_view_status(v, S));
    TEXT(pmsg_view_patient_emr_id(v, S));
    TEXT(pmsg_view_patient_name(v, S));
    NUMBER(int32_t, pmsg_view_awaiting_response(v, V));
    NUMBER(int32_t, pmsg_view_overdue(v, V));
    TEXT(pmsg_view_response_due_at(v, S));
    NUMBER(int32_t, pmsg_view_confidential(v, V));
    COUNT(pmsg_view_message_count(v, &nm));
    for (m = 0; m < nm; m++) {
        TEXT(pmsg_view_message_id(v, m, S));
        TEXT(pmsg_view_message_side(v, m, S));
        TEXT(pmsg_view_message_sender(v, m, S));
        TEXT(pmsg_view_message_from(v, m, S));
        TEXT(pmsg_view_message_body(v, m, S));
        TEXT(pmsg_view_message_sent_at(v, m, S));
        NUMBER(int32_t, pmsg_view_message_read(v, m, V));
        NUMBER(int32_t, pmsg_view_message_masked(v, m, V));
        COUNT(pmsg_view_message_recipient_count(v, m, &nr));
        for (r = 0; r < nr; r++) TEXT(pmsg_view_message_recipient(v, m, r, S));
        COUNT(pmsg_view_attachment_count(v, m, &na));
        for (a = 0; a < na; a++) {
            TEXT(pmsg_view_attachment_id(v, m, a, S));
            TEXT(pmsg_view_attachment_name(v, m, a, S));
            TEXT(pmsg_view_attachment_media_type(v, m, a, S));
            NUMBER(uint64_t, pmsg_view_attachment_size(v, m, a, V));
            NUMBER(int32_t, pmsg_view_attachment_purged(v, m, a, V));
            TEXT(pmsg_view_attachment_purged_at(v, m, a, S));
        }
    }
    COUNT(pmsg_view_assignment_count(v, &na));
    for (a = 0; a < na; a++) {
        TEXT(pmsg_view_assignment_by(v, a, S));
        TEXT(pmsg_view_assignment_to(v, a, S));
        TEXT(pmsg_view_assignment_note(v, a, S));
        TEXT(pmsg_view_assignment_at(v, a, S));
    }
    pmsg_view_free(v);
}

static void due_events(void) {
    pmsg_events *e = NULL;
    size_t i, n = 0;
    pmsg_status st = pmsg_events_due(store, now_ms, limit, &e);
    if (st != PMSG_OK) fail("pmsg_events_due", st);
    COUNT(pmsg_events_count(e, &n));
    for (i = 0; i < n; i++) {
        TEXT(pmsg_events_id(e, i, S));
        TEXT(pmsg_events_kind(e, i, S));
        TEXT(pmsg_events_to(e, i, S));
        TEXT(pmsg_events_conversation(e, i, S));
        TEXT(pmsg_events_message(e, i, S));
        TEXT(pmsg_events_due_at(e, i, S));
        TEXT(pmsg_events_notice(e, i, S));
    }
    pmsg_events_free(e);
}

static void view_json(void) {
    char *out = NULL;
    pmsg_status s = pmsg_view_json(store, by, conversation, now_ms, &out);
    if (s != PMSG_OK) fail("pmsg_view_json", s);
    pmsg_string_free(out);
}

static void due_events_json(void) {
    char *out = NULL;
    pmsg_status s = pmsg_due_events_json(store, now_ms, limit, &out);
    if (s != PMSG_OK) fail("pmsg_due_events_json", s);
    pmsg_string_free(out);
}

/* The mean nanoseconds per call of `calls` calls of `f`. */
static double batch(void (*f)(void), long calls) {
    double t = now_ns();
    for (long i = 0; i < calls; i++) f();
    return (now_ns() - t) / (double)calls;
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        void (*f)(void);
    } calls_of[] = {{"view", view},
                    {"due_events", due_events},
                    {"view_json", view_json},
                    {"due_events_json", due_events_json}};
    if (argc != 8) {
        fprintf(stderr, "usage: %s DB BY CONVERSATION NOW_MS LIMIT BATCHES CALLS\n", argv[0]);
        return 2;
    }
    by = argv[2];
    conversation = argv[3];
    now_ms = strtoll(argv[4], NULL, 10);
    limit = strtoll(argv[5], NULL, 10);
    long batches = strtol(argv[6], NULL, 10), calls = strtol(argv[7], NULL, 10);
    struct pmsg_store *opened = NULL;
    pmsg_status s = pmsg_open(argv[1], NULL, &opened);
    if (s != PMSG_OK) fail("pmsg_open", s);
    store = opened;

    for (size_t k = 0; k < 4; k++) batch(calls_of[k].f, calls);
    for (long b = 0; b < batches; b++)
        for (size_t k = 0; k < 4; k++) printf("%s %.1f\n", calls_of[k].name, batch(calls_of[k].f, calls));
    pmsg_close(opened);
    fprintf(stderr, "ffi_overhead: checksum %lu\n", sink);
    return fflush(stdout) == 0 ? 0 : 1;
}
