/*
 * send_message: the seed procedure through libpmsg's C ABI (include/pmsg.h).
 * A nurse sends Élise Côté her lab results from the Nursing workgroup, with
 * an attachment, a reply required within 3 days, her name masked, a fee code
 * and "Send and Download"; the host delivers the notices; Élise replies; the
 * clinic bills the month and closes the conversation.
 *
 * Build against an installed pmsg (packaging/install.sh PREFIX), with CMake
 * (examples/c/CMakeLists.txt: find_package(pmsg)) or with pkg-config:
 *   cc -std=c99 send_message.c $(pkg-config --cflags --libs pmsg) \
 *      -Wl,-rpath,$(pkg-config --variable=libdir pmsg) -o send_message
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pmsg.h>

/* Every fallible call is checked: on failure, say which and why, and clean up. */
#define CHECK(call)                                                                 \
    do {                                                                            \
        pmsg_status st_ = (call);                                                   \
        if (st_ != PMSG_OK) {                                                       \
            fprintf(stderr, "%s\n  failed: %s: %s\n", #call, pmsg_status_name(st_), \
                    pmsg_last_error_message());                                     \
            goto done;                                                              \
        }                                                                           \
    } while (0)

/* pmsg never reads the clock: every call gets `now`, in ms since the epoch. */
static const int64_t FRI_0900 = INT64_C(1772805600000); /* 2026-03-06T09:00:00-05:00 */
static const int64_t SAT_1000 = INT64_C(1772895600000); /* 2026-03-07T10:00:00-05:00 */
static const int64_t MON_1015 = INT64_C(1773065700000); /* 2026-03-09T10:15:00-04:00 */

static const char *DIRECTORY =
    "{\"accounts\": [{\"id\": \"a-elise\", \"kind\": \"patient\","
    "                 \"display_name\": \"\xc3\x89lise C\xc3\xb4t\xc3\xa9\", \"registered\": true}],"
    " \"patients\": [{\"emr_id\": \"E1001\", \"first_name\": \"\xc3\x89lise\","
    "                 \"last_name\": \"C\xc3\xb4t\xc3\xa9\", \"date_of_birth\": \"1984-05-12\","
    "                 \"account\": \"a-elise\"}],"
    " \"staff\": [{\"id\": \"s-reyes\", \"display_name\": \"Sam Reyes, RN\", \"accepts_direct\": false}],"
    " \"workgroups\": [{\"id\": \"wg-nursing\", \"name\": \"Nursing\", \"members\": [\"s-reyes\"]}]}";

static const char *SEND =
    "{\"author\": \"s-reyes\", \"patient\": \"E1001\", \"from\": \"workgroup:wg-nursing\","
    " \"subject\": \"Your recent blood test\","
    " \"body\": \"Your ferritin is a little low. Please read the attached results and reply.\","
    " \"attachments\": [{\"name\": \"ferritin.txt\", \"media_type\": \"text/plain\","
    "                    \"text\": \"Ferritin: 18 ug/L (reference 30-300)\"}],"
    " \"response\": {\"required_days\": 3}, \"mask_name\": true,"
    " \"billable_fee_code\": \"K738\", \"file_to_chart\": true}";

int main(void) {
    static const char *const files[] = {"", "-wal", "-shm"}; /* the store and SQLite's companions */
    char dir[] = "/tmp/pmsg-example-XXXXXX", path[64], request[512], id[64];
    pmsg_store *store = NULL;
    pmsg_outcome *sent = NULL, *reply = NULL;
    char *found = NULL, *events = NULL, *csv = NULL;
    const char *conversation = NULL, *chart = NULL, *p;
    int ok = 0, i;

    if (mkdtemp(dir) == NULL) return perror("mkdtemp"), 1;
    snprintf(path, sizeof path, "%s/clinic.db", dir);
    printf("libpmsg %s, header %s, store %s\n", pmsg_version(), PMSG_VERSION_STRING, path);
    CHECK(pmsg_open(path, "{\"time_zone\": \"America/Toronto\"}", &store));
    CHECK(pmsg_directory_upsert_json(store, DIRECTORY));

    CHECK(pmsg_search_json(store, "cote", FRI_0900, &found)); /* accents and case folded */
    printf("\nsearch \"cote\": %s\n", found);

    CHECK(pmsg_send_json(store, SEND, FRI_0900, &sent));
    CHECK(pmsg_outcome_conversation_id(sent, &conversation)); /* borrowed from `sent` */
    CHECK(pmsg_outcome_chart_text(sent, &chart));
    printf("\nsent conversation %s; the chart document (Send and Download):\n%s\n", conversation, chart);

    /* Saturday: deliver what is due (e-mail, push, SMS: the host's job), then ack each. */
    CHECK(pmsg_due_events_json(store, SAT_1000, -1, &events));
    printf("due events: %s\n", events);
    for (p = events; (p = strstr(p, "\"id\":\"")) != NULL; p += 6) { /* use a JSON parser */
        size_t len = strcspn(p + 6, "\"");
        if (len >= sizeof id) len = sizeof id - 1;
        memcpy(id, p + 6, len);
        id[len] = '\0';
        CHECK(pmsg_ack(store, id, SAT_1000));
        printf("  delivered and acknowledged %s\n", id);
    }

    /* Monday: Élise replies; the reply goes to the Nursing workgroup. */
    snprintf(request, sizeof request,
             "{\"by\": \"account:a-elise\", \"conversation\": \"%s\","
             " \"body\": \"Thank you. I take the iron supplement every morning.\"}",
             conversation);
    CHECK(pmsg_reply_json(store, request, MON_1015, &reply));
    CHECK(pmsg_outcome_delivered_to(reply, 0, &p));
    printf("\nreply delivered to %s\n", p);

    CHECK(pmsg_billing_report_csv(store, "2026-03", &csv));
    printf("\nbilling report 2026-03 (CSV):\n%s", csv);
    CHECK(pmsg_close_conversation(store, "staff:s-reyes", conversation, MON_1015));
    printf("conversation closed\n");
    ok = 1;

done: /* a failed call left its out-pointer NULL, and every _free accepts NULL */
    pmsg_string_free(csv);
    pmsg_outcome_free(reply);
    pmsg_string_free(events);
    pmsg_outcome_free(sent);
    pmsg_string_free(found);
    pmsg_close(store);
    for (i = 0; i < 3; i++) {
        snprintf(request, sizeof request, "%s%s", path, files[i]);
        remove(request);
    }
    rmdir(dir);
    return ok ? 0 : 1;
}
