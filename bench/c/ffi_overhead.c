/*
 * The C side of pmsg-bench's ffi_overhead_ns figure: times pmsg_view_json
 * and pmsg_due_events_json (each result freed with pmsg_string_free) on
 * the store pmsg-bench measures, with the arguments it times directly.
 *
 *   ffi_overhead DB BY CONVERSATION NOW_MS LIMIT BATCHES CALLS
 *
 * After one warm-up batch of each call, prints BATCHES pairs of lines
 *
 *   view <mean ns per call of a batch of CALLS calls>
 *   due_events <the same>
 *
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

static void fail(const char *what, pmsg_status status) {
    fprintf(stderr, "ffi_overhead: %s: %s: %s\n", what, pmsg_status_name(status),
            pmsg_last_error_message());
    exit(1);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void view(void) {
    char *out = NULL;
    pmsg_status s = pmsg_view_json(store, by, conversation, now_ms, &out);
    if (s != PMSG_OK) fail("pmsg_view_json", s);
    pmsg_string_free(out);
}

static void due_events(void) {
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

    batch(view, calls);
    batch(due_events, calls);
    for (long b = 0; b < batches; b++) {
        printf("view %.1f\n", batch(view, calls));
        printf("due_events %.1f\n", batch(due_events, calls));
    }
    pmsg_close(opened);
    return fflush(stdout) == 0 ? 0 : 1;
}
