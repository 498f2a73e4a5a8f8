/*
 * threads: one pmsg_store (a file in /tmp, WAL) shared by 8 pthreads. Each
 * sends N messages and, between sends, delivers and acknowledges due
 * events, as several host workers would; each also makes a call that fails
 * and checks that its error message is its own. Afterwards the counts are
 * exact: every message sent is one acknowledged event (no more, no fewer),
 * one billing entry, one audit entry and one conversation in the "sent"
 * folder, the audit chain verifies, and a second handle on the same file
 * sees the same. Then the claims of R-D7: N more messages per thread, whose
 * events the 8 threads claim (on two handles, one lease that never ends
 * during the test) and acknowledge: every event is handed to exactly one
 * claim, never to two.
 *
 * Usage: threads [N]   (N messages per thread, default 25)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <unistd.h>

#include "common.h"

#define THREADS 8
#define ID_LEN 64

static pmsg_store *store;
static int per_thread = 25;

/* Every event id acknowledged, once each, under `acked_lock`. */
static pthread_mutex_t acked_lock = PTHREAD_MUTEX_INITIALIZER;
static char (*acked)[ID_LEN];
static int acked_count, ack_calls, failed_threads;

/* The calls' "now": sends at T0 + i, deliveries a day later. */
#define DELIVER_AT (T0 + DAY_MS)

static void record_ack(const char *id) {
    int i, seen = 0;
    pthread_mutex_lock(&acked_lock);
    ack_calls++;
    for (i = 0; i < acked_count && !seen; i++) seen = strcmp(acked[i], id) == 0;
    if (!seen && acked_count < THREADS * per_thread) strcpy(acked[acked_count++], id);
    else if (!seen) acked_count++; /* more events than messages: counted, reported later */
    pthread_mutex_unlock(&acked_lock);
}

/* Delivers (and acknowledges) at most `limit` due events; returns how many were due. */
static int deliver(int limit) {
    char *json = NULL, id[ID_LEN];
    const char *p;
    int n = 0;
    if (pmsg_due_events_json(store, DELIVER_AT, limit, &json) != PMSG_OK) {
        fprintf(stderr, "due_events: %s\n", pmsg_last_error_message());
        return -1;
    }
    for (p = json; (p = string_after(p, "{\"id\":\"", id, sizeof id)) != NULL; n++) {
        if (pmsg_ack(store, id, DELIVER_AT) != PMSG_OK) {
            fprintf(stderr, "ack %s: %s\n", id, pmsg_last_error_message());
            n = -1;
            break;
        }
        record_ack(id);
    }
    pmsg_string_free(json);
    return n;
}

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg, i, ok = 1;
    char request[512], missing[32];

    for (i = 0; i < per_thread && ok; i++) {
        pmsg_outcome *outcome = NULL;
        size_t delivered = 0;
        snprintf(request, sizeof request,
                 "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"workgroup:w-front\","
                 " \"subject\": \"Thread %d message %d\", \"body\": \"Body %d.%d\","
                 " \"billable_fee_code\": \"T1\"}",
                 t, i, t, i);
        if (pmsg_send_json(store, request, T0 + t * 100000 + i, &outcome) != PMSG_OK) {
            fprintf(stderr, "thread %d send %d: %s\n", t, i, pmsg_last_error_message());
            ok = 0;
            break;
        }
        if (pmsg_outcome_delivered_to_count(outcome, &delivered) != PMSG_OK || delivered != 1)
            ok = 0;
        pmsg_outcome_free(outcome);

        /* Deliver a few due events between sends (at most 3 at a time). */
        if (deliver(3) < 0) ok = 0;

        /* A failure of this thread's own: its message names this thread's value. */
        if (i % 5 == 0) {
            snprintf(missing, sizeof missing, "E-missing-%d-%d", t, i);
            snprintf(request, sizeof request,
                     "{\"author\": \"s-dr\", \"patient\": \"%s\", \"from\": \"direct\","
                     " \"subject\": \"x\", \"body\": \"y\"}",
                     missing);
            outcome = NULL;
            if (pmsg_send_json(store, request, T0, &outcome) != PMSG_UNKNOWN_PATIENT ||
                strstr(pmsg_last_error_message(), missing) == NULL || outcome != NULL) {
                fprintf(stderr, "thread %d: wrong error for %s: %s\n", t, missing,
                        pmsg_last_error_message());
                ok = 0;
            }
        }
    }
    /* Drain: deliver until nothing is due. The last thread to finish sending
     * drains after every other send has committed, so nothing is left. */
    while (ok) {
        int n = deliver(10);
        if (n < 0) ok = 0;
        if (n <= 0) break;
    }
    if (!ok) {
        pthread_mutex_lock(&acked_lock);
        failed_threads++;
        pthread_mutex_unlock(&acked_lock);
    }
    return NULL;
}

/* R-D7: each event claimed once, under `acked_lock`; `claim_dups` counts an
 * event handed to a second claim (one claim call is atomic). */
static char (*claimed)[ID_LEN];
static int claimed_count, claim_dups;
static pmsg_store *handles[2];

static void *claimer(void *arg) {
    int t = (int)(intptr_t)arg, ok = 1;
    char worker_name[32], id[ID_LEN];
    snprintf(worker_name, sizeof worker_name, "worker %d", t);
    while (ok) {
        char *json = NULL;
        const char *p;
        int n = 0;
        /* The lease outlasts the test: a claimed event is never claimable again. */
        if (pmsg_claim_due_events_json(handles[t % 2], worker_name, DELIVER_AT, 3, 3600, &json) !=
            PMSG_OK) {
            fprintf(stderr, "claim by %s: %s\n", worker_name, pmsg_last_error_message());
            ok = 0;
            break;
        }
        for (p = json; (p = string_after(p, "{\"id\":\"", id, sizeof id)) != NULL; n++) {
            int i, seen = 0;
            pthread_mutex_lock(&acked_lock);
            for (i = 0; i < claimed_count && !seen; i++) seen = strcmp(claimed[i], id) == 0;
            if (seen) claim_dups++;
            else if (claimed_count < THREADS * per_thread) strcpy(claimed[claimed_count++], id);
            else claimed_count++;
            pthread_mutex_unlock(&acked_lock);
            if (pmsg_ack(handles[t % 2], id, DELIVER_AT) != PMSG_OK) ok = 0;
        }
        if (n > 0 && !CONTAINS(json, "\"claimed_until\":")) ok = 0;
        pmsg_string_free(json);
        if (n == 0) break;
    }
    if (!ok) {
        pthread_mutex_lock(&acked_lock);
        failed_threads++;
        pthread_mutex_unlock(&acked_lock);
    }
    return NULL;
}

static void claims_phase(pmsg_store *a, pmsg_store *b, int count) {
    pthread_t threads[THREADS];
    char request[256], *json = NULL;
    int i, t;
    claimed = calloc((size_t)count, sizeof *claimed);
    REQUIRE(claimed != NULL);
    handles[0] = a;
    handles[1] = b;
    for (i = 0; i < count; i++) {
        pmsg_outcome *outcome = NULL;
        snprintf(request, sizeof request,
                 "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
                 " \"subject\": \"Claim %d\", \"body\": \"Body %d\"}",
                 i, i);
        MUST(pmsg_send_json(a, request, T0 + i, &outcome));
        pmsg_outcome_free(outcome);
    }
    failed_threads = 0;
    for (t = 0; t < THREADS; t++)
        REQUIRE(pthread_create(&threads[t], NULL, claimer, (void *)(intptr_t)t) == 0);
    for (t = 0; t < THREADS; t++) REQUIRE(pthread_join(threads[t], NULL) == 0);
    CHECK(failed_threads == 0);
    if (claim_dups != 0 || claimed_count != count) {
        fprintf(stderr, "claims: %d distinct events claimed (expected %d), %d handed out twice\n",
                claimed_count, count, claim_dups);
        failures++;
    }
    printf("threads: %d threads on 2 handles claimed %d events, none twice\n", THREADS,
           claimed_count);
    MUST(pmsg_due_events_json(b, DELIVER_AT + DAY_MS, -1, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);
    free(claimed);
}

/* Counts the conversations of a staff folder, page by page (cursor). */
static int count_folder(pmsg_store *s, const char *by, const char *folder) {
    char cursor[128], *json = NULL;
    const char *next = NULL;
    int total = 0, pages = 0;
    for (;;) {
        if (!OK(pmsg_folder_json(s, by, folder, next, 37, DELIVER_AT, &json))) return -1;
        total += (int)count_of(json, "\"conversation\":");
        pages++;
        next = string_after(json, "\"next_cursor\":\"", cursor, sizeof cursor) ? cursor : NULL;
        pmsg_string_free(json);
        if (next == NULL) break;
    }
    CHECK(pages == (total == 0 ? 1 : (total + 36) / 37)); /* no empty last page */
    return total;
}

static void check_totals(pmsg_store *s, int sent) {
    char *json = NULL, expected[64];

    MUST(pmsg_due_events_json(s, DELIVER_AT + DAY_MS, -1, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);

    MUST(pmsg_verify_audit_json(s, &json));
    snprintf(expected, sizeof expected, "\"entries\":%d", sent); /* one "send" each */
    CHECK(CONTAINS(json, "\"ok\":true"));
    if (!CONTAINS(json, expected)) {
        fprintf(stderr, "audit verification %s lacks %s\n", json, expected);
        failures++;
    }
    pmsg_string_free(json);

    MUST(pmsg_billing_report_json(s, "2026-03", &json));
    snprintf(expected, sizeof expected, "\"count\":%d", sent);
    CHECK(CONTAINS(json, expected));
    CHECK((int)count_of(json, "\"message\":") == sent);
    pmsg_string_free(json);

    CHECK(count_folder(s, "staff:s-dr", "sent") == sent);
    CHECK(count_folder(s, "staff:s-nurse", "inbox") == 0); /* no patient message yet */
}

int main(int argc, char **argv) {
    char path[128], wal[160], shm[160];
    pthread_t threads[THREADS];
    pmsg_store *second = NULL;
    int t, sent;

    if (argc > 1) per_thread = atoi(argv[1]);
    REQUIRE(per_thread > 0);
    sent = THREADS * per_thread;
    acked = calloc((size_t)sent, sizeof *acked);
    REQUIRE(acked != NULL);

    snprintf(path, sizeof path, "/tmp/pmsg-threads-%ld.db", (long)getpid());
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(path);
    unlink(wal);
    unlink(shm);

    MUST(pmsg_open(path, "{\"time_zone\": \"America/Toronto\"}", &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));

    for (t = 0; t < THREADS; t++)
        REQUIRE(pthread_create(&threads[t], NULL, worker, (void *)(intptr_t)t) == 0);
    for (t = 0; t < THREADS; t++) REQUIRE(pthread_join(threads[t], NULL) == 0);

    CHECK(failed_threads == 0);
    if (acked_count != sent) {
        fprintf(stderr, "%d distinct events acknowledged, expected %d (one per message)\n",
                acked_count, sent);
        failures++;
    }
    CHECK(ack_calls >= sent);
    printf("threads: %d threads sent %d messages; %d events acknowledged in %d ack calls\n",
           THREADS, sent, acked_count, ack_calls);

    check_totals(store, sent);

    /* A second handle on the same file sees every committed operation. */
    MUST(pmsg_open(path, "{\"time_zone\": \"America/Toronto\"}", &second));
    check_totals(second, sent);

    claims_phase(store, second, sent);
    pmsg_close(second);
    pmsg_close(store);

    free(acked);
    unlink(path);
    unlink(wal);
    unlink(shm);
    return finish("threads");
}
