/*
 * abi_smoke: the C ABI end to end, as an EMR host would use it: open a
 * store, upsert the directory, send, view, deliver and acknowledge the
 * events, read, reply, download, export, list folders, bill, purge, close,
 * verify the audit chain; claims shared by workers (R-D7); confidential
 * conversations, assignment, group sends and their report (SPEC sections
 * 16 to 18); then a file store that survives a reopen. Every
 * result is freed, and every failure's status and message are checked.
 */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "common.h"

static const char *CONFIG = "{\"time_zone\": \"America/Toronto\", \"retention_days_after_download\": 7}";

static const char *SEND_JSON =
    "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"workgroup:w-front\","
    " \"subject\": \"Lab results\", \"body\": \"Your results are in. Please reply.\","
    " \"attachments\": [{\"name\": \"lab.txt\", \"media_type\": \"text/plain\","
    "                    \"text\": \"hello pmsg\"}],"
    " \"response\": {\"required_days\": 3}, \"billable_fee_code\": \"a1\","
    " \"file_to_chart\": true}";

/* Acknowledges every event of a due-events JSON array; returns how many. */
static int ack_all(const pmsg_store *store, const char *events, int64_t now) {
    char id[128];
    const char *p = events;
    int n = 0;
    while ((p = string_after(p, "{\"id\":\"", id, sizeof id)) != NULL) {
        if (OK(pmsg_ack(store, id, now))) n++;
    }
    return n;
}

static void version_matches_header(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", PMSG_VERSION_MAJOR, PMSG_VERSION_MINOR,
             PMSG_VERSION_PATCH);
    CHECK(same(pmsg_version(), PMSG_VERSION_STRING));
    CHECK(same(pmsg_version(), expected));
    CHECK(PMSG_VERSION_NUMBER ==
          PMSG_VERSION_MAJOR * 1000000 + PMSG_VERSION_MINOR * 1000 + PMSG_VERSION_PATCH);
}

static void whole_conversation(void) {
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = NULL, *reply = NULL, *failed = (pmsg_outcome *)&failures;
    const char *s = NULL;
    char conv[128], msg[128], att[128], *json = NULL;
    size_t n = 99;
    uint8_t *bytes = NULL;
    size_t len = 0;

    MUST(pmsg_open_in_memory(CONFIG, &store));
    REQUIRE(store != NULL);
    CHECK(same(pmsg_last_error_message(), ""));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));

    /* R-R1: search, accent-insensitive, with routing. */
    MUST(pmsg_search_json(store, "roy", T0, &json));
    CHECK(CONTAINS(json, "\"emr_id\":\"E100\""));
    CHECK(CONTAINS(json, "\"deliver_to\":[\"account:a-lea\"]"));
    CHECK(CONTAINS(json, "\"deliver_to\":[\"account:a-marc\"]")); /* the minor E200 */
    pmsg_string_free(json);

    /* A failed send: the status, the message naming the value and rule, *out NULL. */
    EXPECT(pmsg_send_json(store,
                          "{\"author\": \"s-dr\", \"patient\": \"E999\", \"from\": \"direct\","
                          " \"subject\": \"x\", \"body\": \"y\"}",
                          T0, &failed),
           PMSG_UNKNOWN_PATIENT);
    EXPECT_MESSAGE("E999");
    EXPECT_MESSAGE("R-R4");
    CHECK(failed == NULL);
    CHECK(same(pmsg_status_name(PMSG_UNKNOWN_PATIENT), "unknown_patient"));

    /* Send with an attachment, a required response, a fee code and "Send and Download". */
    MUST(pmsg_send_json(store, SEND_JSON, T0, &outcome));
    REQUIRE(outcome != NULL);
    CHECK(same(pmsg_last_error_message(), ""));
    MUST(pmsg_outcome_conversation_id(outcome, &s));
    REQUIRE(s != NULL && strlen(s) > 0 && strlen(s) < sizeof conv);
    strcpy(conv, s);
    MUST(pmsg_outcome_message_id(outcome, &s));
    REQUIRE(s != NULL && strlen(s) < sizeof msg);
    strcpy(msg, s);
    CHECK(strcmp(conv, msg) != 0);
    OK(pmsg_outcome_status(outcome, &s));
    CHECK(same(s, "open"));
    OK(pmsg_outcome_delivered_to_count(outcome, &n));
    CHECK(n == 1);
    OK(pmsg_outcome_delivered_to(outcome, 0, &s));
    CHECK(same(s, "account:a-lea"));
    s = "sentinel";
    EXPECT(pmsg_outcome_delivered_to(outcome, 1, &s), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`index`");
    CHECK(s == NULL);
    OK(pmsg_outcome_attachment_count(outcome, &n));
    CHECK(n == 1);
    OK(pmsg_outcome_attachment_name(outcome, 0, &s));
    CHECK(same(s, "lab.txt"));
    MUST(pmsg_outcome_attachment_id(outcome, 0, &s));
    REQUIRE(s != NULL && strlen(s) < sizeof att);
    strcpy(att, s);
    OK(pmsg_outcome_chart_text(outcome, &s));
    CHECK(CONTAINS(s, "Lab results"));
    CHECK(CONTAINS(s, "Your results are in."));
    OK(pmsg_outcome_chart_fhir(outcome, &s));
    CHECK(CONTAINS(s, "Bundle"));
    CHECK(CONTAINS(s, "Communication"));
    pmsg_outcome_free(outcome);

    /* The patient side's view (audited as view; does not mark read). */
    MUST(pmsg_view_json(store, "account:a-lea", conv, T0 + 1000, &json));
    CHECK(CONTAINS(json, "\"subject\":\"Lab results\""));
    CHECK(CONTAINS(json, "\"awaiting_response\":true"));
    CHECK(CONTAINS(json, "\"read\":false"));
    CHECK(CONTAINS(json, "\"name\":\"lab.txt\""));
    CHECK(CONTAINS(json, "\"response_due_at\":\"2026-03-13T10:00:00-04:00\"")); /* R-T3 */
    pmsg_string_free(json);

    /* R-D1, R-D5: new_message is due at once; deliver, then acknowledge. */
    MUST(pmsg_due_events_json(store, T0, -1, &json));
    CHECK(count_of(json, "{\"id\":") == 1);
    CHECK(CONTAINS(json, "\"kind\":\"new_message\""));
    CHECK(CONTAINS(json, "\"to\":\"account:a-lea\""));
    CHECK(!CONTAINS(json, "Lab results")); /* no health information in notices */
    CHECK(ack_all(store, json, T0 + 5) == 1);
    pmsg_string_free(json);
    MUST(pmsg_due_events_json(store, T0 + 10, -1, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);
    EXPECT(pmsg_ack(store, "no-such-event", T0), PMSG_UNKNOWN_EVENT);
    EXPECT_MESSAGE("no-such-event");

    /* Read, then reply as the patient: the reply goes to the workgroup. */
    OK(pmsg_read(store, "account:a-lea", conv, T0 + 60000));
    {
        char request[512];
        snprintf(request, sizeof request,
                 "{\"by\": \"account:a-lea\", \"conversation\": \"%s\", \"body\": \"Thanks!\"}",
                 conv);
        MUST(pmsg_reply_json(store, request, T0 + 120000, &reply));
    }
    OK(pmsg_outcome_delivered_to(reply, 0, &s));
    CHECK(same(s, "workgroup:w-front"));
    OK(pmsg_outcome_conversation_id(reply, &s));
    CHECK(same(s, conv));
    OK(pmsg_outcome_chart_text(reply, &s));
    CHECK(s == NULL); /* no file_to_chart */
    pmsg_outcome_free(reply);
    MUST(pmsg_due_events_json(store, T0 + 120000, 10, &json));
    CHECK(CONTAINS(json, "\"kind\":\"new_reply\""));
    CHECK(CONTAINS(json, "\"to\":\"workgroup:w-front\""));
    CHECK(ack_all(store, json, T0 + 120001) == 1);
    pmsg_string_free(json);

    /* R-D6: download (starts retention), byte for byte. */
    MUST(pmsg_download(store, "account:a-lea", conv, att, T0 + 180000, &bytes, &len));
    CHECK(len == 10 && bytes != NULL && memcmp(bytes, "hello pmsg", 10) == 0);
    pmsg_bytes_free(bytes, len);
    bytes = (uint8_t *)"sentinel";
    len = 99;
    EXPECT(pmsg_download(store, "account:a-lea", conv, "nope", T0, &bytes, &len),
           PMSG_UNKNOWN_ATTACHMENT);
    CHECK(bytes == NULL && len == 0);

    /* Chart export (R-C1, R-C3): staff only, two formats. */
    MUST(pmsg_export_chart(store, "staff:s-dr", conv, "text", T0 + 200000, &json));
    CHECK(CONTAINS(json, "Lab results") && CONTAINS(json, "Thanks!"));
    CHECK(CONTAINS(json, "E100") && CONTAINS(json, "1980-01-31"));
    pmsg_string_free(json);
    MUST(pmsg_export_chart(store, "staff:s-dr", conv, "fhir", T0 + 200000, &json));
    CHECK(CONTAINS(json, "\"resourceType\""));
    pmsg_string_free(json);
    json = (char *)"sentinel";
    EXPECT(pmsg_export_chart(store, "staff:s-dr", conv, "pdf", T0, &json), PMSG_INVALID_ARGUMENT);
    CHECK(json == NULL);
    EXPECT(pmsg_export_chart(store, "account:a-lea", conv, "text", T0, &json),
           PMSG_NOT_AUTHORIZED);
    EXPECT_MESSAGE("R-A1");

    /* Folders (section 7). */
    MUST(pmsg_folder_json(store, "staff:s-nurse", "inbox", NULL, 0, T0 + 300000, &json));
    CHECK(CONTAINS(json, conv));
    CHECK(CONTAINS(json, "\"next_cursor\":null"));
    pmsg_string_free(json);
    MUST(pmsg_folder_json(store, "account:a-lea", "awaiting_response", NULL, 10, T0, &json));
    CHECK(count_of(json, "\"conversation\":") == 0); /* the patient replied */
    pmsg_string_free(json);
    EXPECT(pmsg_folder_json(store, "account:a-lea", "sent", NULL, 0, T0, &json),
           PMSG_INVALID_ARGUMENT);
    EXPECT(pmsg_folder_json(store, "staff:s-ghost", "inbox", NULL, 0, T0, &json),
           PMSG_UNKNOWN_STAFF);

    /* Billing (R-B1 to R-B3): the fee code is normalised to upper case. */
    MUST(pmsg_billing_report_json(store, "2026-03", &json));
    CHECK(CONTAINS(json, "\"fee_code\":\"A1\""));
    CHECK(CONTAINS(json, "\"count\":1"));
    pmsg_string_free(json);
    MUST(pmsg_billing_report_csv(store, "2026-03", &json));
    CHECK(CONTAINS(json, "A1") && CONTAINS(json, "s-dr") && CONTAINS(json, "\n"));
    pmsg_string_free(json);
    EXPECT(pmsg_billing_report_json(store, "2026-W10", &json), PMSG_INVALID_ARGUMENT);

    /* Purge after the retention period (first download + 7 days), then expired. */
    MUST(pmsg_purge_json(store, T0 + 3 * DAY_MS, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);
    MUST(pmsg_purge_json(store, T0 + 8 * DAY_MS, &json));
    CHECK(CONTAINS(json, "\"name\":\"lab.txt\""));
    pmsg_string_free(json);
    EXPECT(pmsg_download(store, "account:a-lea", conv, att, T0 + 8 * DAY_MS, &bytes, &len),
           PMSG_ATTACHMENT_EXPIRED);

    /* Close (R-M4): a second close and a reply are conversation_closed. */
    OK(pmsg_close_conversation(store, "staff:s-dr", conv, T0 + 9 * DAY_MS));
    EXPECT(pmsg_close_conversation(store, "staff:s-dr", conv, T0 + 9 * DAY_MS),
           PMSG_CONVERSATION_CLOSED);
    {
        char request[512];
        snprintf(request, sizeof request,
                 "{\"by\": \"account:a-lea\", \"conversation\": \"%s\", \"body\": \"Again\"}",
                 conv);
        EXPECT(pmsg_reply_json(store, request, T0 + 9 * DAY_MS, &reply),
               PMSG_CONVERSATION_CLOSED);
    }

    /* R-AU1: the audit trail and its hash chain. */
    MUST(pmsg_audit_tail_json(store, 2, &json));
    CHECK(count_of(json, "\"seq\":") == 2);
    CHECK(CONTAINS(json, "\"action\":\"close\""));
    pmsg_string_free(json);
    MUST(pmsg_verify_audit_json(store, &json));
    CHECK(CONTAINS(json, "\"ok\":true"));
    CHECK(CONTAINS(json, "\"first_broken\":null"));
    pmsg_string_free(json);

    pmsg_close(store);
}

static void file_store_survives_reopen(void) {
    char path[128], wal[160], shm[160], *json = NULL;
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = NULL;

    snprintf(path, sizeof path, "/tmp/pmsg-abi-smoke-%ld.db", (long)getpid());
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(path);

    /* A bad configuration refuses to open, naming the problem. */
    store = (pmsg_store *)&failures;
    EXPECT(pmsg_open(path, "{\"time_zone\": \"Mars/Olympus\"}", &store), PMSG_INVALID_CONFIG);
    EXPECT_MESSAGE("Mars/Olympus");
    CHECK(store == NULL);
    EXPECT(pmsg_open(path, "{\"colour\": 1}", &store), PMSG_INVALID_CONFIG);
    EXPECT_MESSAGE("colour");
    EXPECT(pmsg_open(path, "{", &store), PMSG_INVALID_CONFIG);
    EXPECT_MESSAGE("`config_json`");
    EXPECT(pmsg_open("/nonexistent-dir/x/y.db", NULL, &store), PMSG_STORAGE);

    MUST(pmsg_open(path, NULL, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    MUST(pmsg_send_json(store,
                        "{\"author\": \"s-dr\", \"patient\": \"E200\", \"from\": \"direct\","
                        " \"subject\": \"Vaccines\", \"body\": \"Due next month.\"}",
                        T0, &outcome));
    pmsg_outcome_free(outcome);
    pmsg_close(store);

    store = NULL;
    MUST(pmsg_open(path, NULL, &store));
    MUST(pmsg_folder_json(store, "account:a-marc", "inbox", NULL, 0, T0, &json));
    CHECK(CONTAINS(json, "\"subject\":\"Vaccines\""));
    CHECK(CONTAINS(json, "\"patient_emr_id\":\"E200\""));
    pmsg_string_free(json);
    MUST(pmsg_verify_audit_json(store, &json));
    CHECK(CONTAINS(json, "\"ok\":true") && CONTAINS(json, "\"entries\":1"));
    pmsg_string_free(json);
    pmsg_close(store);

    unlink(path);
    unlink(wal);
    unlink(shm);
}

/* A conversation id of a send, copied out of its outcome (which is freed). */
static void send_one(const pmsg_store *store, const char *request, int64_t now, char *conv,
                     size_t cap) {
    pmsg_outcome *outcome = NULL;
    const char *s = NULL;
    MUST(pmsg_send_json(store, request, now, &outcome));
    MUST(pmsg_outcome_conversation_id(outcome, &s));
    REQUIRE(s != NULL && strlen(s) < cap);
    strcpy(conv, s);
    pmsg_outcome_free(outcome);
}

/* R-D7: several workers share due events through claims with leases. */
static void claims(void) {
    pmsg_store *store = NULL;
    char conv[128], id[128], *json = NULL, *other = (char *)"sentinel";

    MUST(pmsg_open_in_memory(CONFIG, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    send_one(store,
             "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
             " \"subject\": \"Hi\", \"body\": \"Hello\"}",
             T0, conv, sizeof conv);

    /* worker-1 claims the new_message event for 60 s (10:00 EDT + 60 s). */
    MUST(pmsg_claim_due_events_json(store, "worker-1", T0 + 1000, -1, 60, &json));
    CHECK(count_of(json, "{\"id\":") == 1);
    CHECK(CONTAINS(json, "\"kind\":\"new_message\""));
    CHECK(CONTAINS(json, conv));
    CHECK(CONTAINS(json, "\"claimed_until\":\"2026-03-10T10:01:01-04:00\""));
    CHECK(!CONTAINS(json, "\"Hi\"")); /* no health information in notices */
    REQUIRE(string_after(json, "{\"id\":\"", id, sizeof id) != NULL);
    pmsg_string_free(json);

    /* Under the claim: no worker gets it, the same one included... */
    MUST(pmsg_claim_due_events_json(store, "worker-2", T0 + 2000, -1, 60, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);
    MUST(pmsg_claim_due_events_json(store, "worker-1", T0 + 2000, -1, 60, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);
    /* ...but the peek ignores claims, and never shows claim fields. */
    MUST(pmsg_due_events_json(store, T0 + 2000, -1, &json));
    CHECK(CONTAINS(json, id));
    CHECK(!CONTAINS(json, "claimed_until"));
    pmsg_string_free(json);

    /* The lease ends at its instant: another worker claims the event, acks it. */
    MUST(pmsg_claim_due_events_json(store, "worker-2", T0 + 61000, 10, 30, &json));
    CHECK(CONTAINS(json, id));
    CHECK(CONTAINS(json, "\"claimed_until\":\"2026-03-10T10:01:31-04:00\""));
    pmsg_string_free(json);
    OK(pmsg_ack(store, id, T0 + 62000));
    MUST(pmsg_claim_due_events_json(store, "worker-1", T0 + DAY_MS, -1, 60, &json));
    CHECK(same(json, "[]"));
    pmsg_string_free(json);

    /* Arguments, checked in order: worker, limit, lease. */
    EXPECT(pmsg_claim_due_events_json(store, "", T0, -1, 60, &other), PMSG_INVALID_ARGUMENT);
    CHECK(other == NULL);
    EXPECT(pmsg_claim_due_events_json(store, "w", T0, -5, 60, &other), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("-5");
    EXPECT(pmsg_claim_due_events_json(store, "w", T0, -1, 86401, &other),
           PMSG_INVALID_ARGUMENT);
    MUST(pmsg_claim_due_events_json(store, "w", T0, -1, 86400, &json));
    pmsg_string_free(json);
    pmsg_close(store);
}

/* SPEC section 18: a confidential conversation reaches the patient's own
 * registered account only (R-CF1 to R-CF5). */
static void confidential(void) {
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = (pmsg_outcome *)&failures;
    char conv[128], plain[128], request[512], *json = NULL;

    MUST(pmsg_open_in_memory(CONFIG, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));

    /* R-CF4: where a confidential message would go (the minor E200 has no account). */
    MUST(pmsg_search_json(store, "roy", T0, &json));
    CHECK(CONTAINS(json, "\"confidential_deliver_to\":[\"account:a-lea\"]"));
    CHECK(CONTAINS(json, "\"confidential_deliver_to\":[]"));
    pmsg_string_free(json);

    /* R-CF1, R-CF2: a boolean, and the patient's own registered account. */
    EXPECT(pmsg_send_json(store,
                          "{\"author\": \"s-dr\", \"patient\": \"E200\", \"from\": \"direct\","
                          " \"subject\": \"Private\", \"body\": \"Hello\", \"confidential\": true}",
                          T0, &outcome),
           PMSG_RECIPIENT_NOT_REACHABLE);
    EXPECT_MESSAGE("E200");
    CHECK(outcome == NULL);
    EXPECT(pmsg_send_json(store,
                          "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
                          " \"subject\": \"Private\", \"body\": \"Hello\", \"confidential\": 1}",
                          T0, &outcome),
           PMSG_INVALID_OPTIONS);
    EXPECT_MESSAGE("confidential");
    send_one(store,
             "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
             " \"subject\": \"Private\", \"body\": \"Hello\", \"confidential\": true}",
             T0, conv, sizeof conv);
    send_one(store,
             "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
             " \"subject\": \"Plain\", \"body\": \"Hello\"}",
             T0, plain, sizeof plain);

    /* Views show it to every viewer (R-CF1); the plain one is not. */
    MUST(pmsg_view_json(store, "account:a-lea", conv, T0 + 1000, &json));
    CHECK(CONTAINS(json, "\"confidential\":true"));
    pmsg_string_free(json);
    MUST(pmsg_view_json(store, "staff:s-dr", plain, T0 + 1000, &json));
    CHECK(CONTAINS(json, "\"confidential\":false"));
    pmsg_string_free(json);

    /* A reply never carries the key, whatever its value (R-CF1). */
    snprintf(request, sizeof request,
             "{\"by\": \"staff:s-dr\", \"conversation\": \"%s\", \"body\": \"More\","
             " \"confidential\": false}",
             conv);
    EXPECT(pmsg_reply_json(store, request, T0 + 2000, &outcome), PMSG_INVALID_OPTIONS);
    CHECK(outcome == NULL);

    /* R-CF5: the chart document marks it. */
    MUST(pmsg_export_chart(store, "staff:s-dr", conv, "text", T0 + 3000, &json));
    CHECK(CONTAINS(json, "Confidential: yes"));
    pmsg_string_free(json);
    MUST(pmsg_export_chart(store, "staff:s-dr", plain, "text", T0 + 3000, &json));
    CHECK(!CONTAINS(json, "Confidential:"));
    pmsg_string_free(json);
    pmsg_close(store);
}

/* SPEC section 17: a staff participant hands a conversation on (R-AS1 to R-AS4). */
static void assignment(void) {
    pmsg_store *store = NULL;
    char conv[128], *json = NULL;

    MUST(pmsg_open_in_memory(CONFIG, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    send_one(store,
             "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"workgroup:w-front\","
             " \"subject\": \"Invoice\", \"body\": \"About your invoice.\"}",
             T0, conv, sizeof conv);
    MUST(pmsg_due_events_json(store, T0, -1, &json));
    CHECK(ack_all(store, json, T0) == 1);
    pmsg_string_free(json);

    /* Checks in order: access, then `to`, then the note. */
    EXPECT(pmsg_assign(store, "account:a-lea", conv, "staff:s-dr", NULL, T0 + 1000),
           PMSG_NOT_AUTHORIZED);
    EXPECT(pmsg_assign(store, "staff:s-dr", conv, "account:a-lea", NULL, T0 + 1000),
           PMSG_INVALID_ARGUMENT);
    EXPECT(pmsg_assign(store, "staff:s-dr", conv, "workgroup:w-ghost", NULL, T0 + 1000),
           PMSG_UNKNOWN_WORKGROUP);
    EXPECT(pmsg_assign(store, "staff:s-dr", conv, "staff:s-ghost", NULL, T0 + 1000),
           PMSG_UNKNOWN_STAFF);
    EXPECT(pmsg_assign(store, "staff:s-dr", conv, "staff:s-nurse", NULL, T0 + 1000),
           PMSG_DIRECT_NOT_ACCEPTED);
    EXPECT(pmsg_assign(store, "staff:s-dr", conv, "staff:s-dr", "bell\x07", T0 + 1000),
           PMSG_INVALID_ARGUMENT);

    /* Two assignments: with a note (kept as given), and without (NULL). */
    OK(pmsg_assign(store, "staff:s-nurse", conv, "staff:s-dr", "Call her\nafter 3 pm",
                   T0 + 2000));
    OK(pmsg_assign(store, "staff:s-dr", conv, "workgroup:w-front", NULL, T0 + 3000));

    /* R-AS3: one `assigned` event each, to the assignee, no message, no note. */
    MUST(pmsg_due_events_json(store, T0 + 5000, -1, &json));
    CHECK(count_of(json, "\"kind\":\"assigned\"") == 2);
    CHECK(CONTAINS(json, "\"to\":\"staff:s-dr\""));
    CHECK(CONTAINS(json, "\"to\":\"workgroup:w-front\""));
    CHECK(count_of(json, "\"message\":null") == 2);
    CHECK(!CONTAINS(json, "after 3 pm"));
    pmsg_string_free(json);

    /* R-AS4: staff views list them, oldest first; the patient side never does. */
    MUST(pmsg_view_json(store, "staff:s-dr", conv, T0 + 6000, &json));
    CHECK(CONTAINS(json, "\"assignments\":[{\"by\":\"staff:s-nurse\",\"to\":\"staff:s-dr\","
                         "\"note\":\"Call her\\nafter 3 pm\",\"at\":\"2026-03-10T10:00:02-04:00\"},"
                         "{\"by\":\"staff:s-dr\",\"to\":\"workgroup:w-front\",\"note\":null,"));
    pmsg_string_free(json);
    MUST(pmsg_view_json(store, "account:a-lea", conv, T0 + 6000, &json));
    CHECK(CONTAINS(json, "\"assignments\":[]"));
    CHECK(!CONTAINS(json, "after 3 pm"));
    pmsg_string_free(json);
    MUST(pmsg_audit_tail_json(store, 4, &json));
    CHECK(count_of(json, "\"action\":\"assign\"") == 2);
    pmsg_string_free(json);
    pmsg_close(store);
}

/* SPEC section 16: one composition to many patients, and its report (R-G1 to R-G5). */
static void group_sends(void) {
    pmsg_store *store = NULL;
    char group[128], first[128], att[128], other[128], *json = NULL;
    char *failed = (char *)"sentinel";
    const char *p, *q;
    uint8_t *bytes = NULL;
    size_t len = 0;

    MUST(pmsg_open_in_memory(CONFIG, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));

    /* One conversation per patient, in list order; repeats dropped, unknowns skipped. */
    MUST(pmsg_send_group_json(store,
                              "{\"author\": \"s-dr\", \"patients\": [\"E100\", \"E999\", \"E200\","
                              " \"e100\"], \"from\": \"workgroup:w-front\", \"subject\": \"Flu"
                              " clinic\", \"body\": \"Saturday 9 to 12.\", \"response\":"
                              " {\"required_days\": 3}, \"attachments\": [{\"name\": \"flu.txt\","
                              " \"media_type\": \"text/plain\", \"text\": \"bring your card\"}]}",
                              T0, &json));
    REQUIRE(string_after(json, "\"group_id\":\"", group, sizeof group) != NULL);
    CHECK(count_of(json, "\"emr_id\":") == 3);
    p = strstr(json, "\"emr_id\":\"E100\"");
    CHECK(p != NULL && string_after(p, "\"conversation_id\":\"", first, sizeof first) != NULL);
    /* Each conversation has its own copy of the attachments, with its own id. */
    REQUIRE(p != NULL && (q = string_after(p, "\"attachments\":[{\"id\":\"", att, sizeof att)));
    CHECK(CONTAINS(q, "\"name\":\"flu.txt\""));
    REQUIRE(string_after(q, "\"attachments\":[{\"id\":\"", other, sizeof other) != NULL);
    CHECK(strcmp(att, other) != 0);
    CHECK(CONTAINS(json, "\"delivered_to\":[\"account:a-lea\"]"));
    CHECK(CONTAINS(json, "\"delivered_to\":[\"account:a-marc\"]"));
    CHECK(CONTAINS(json, "\"emr_id\":\"E999\",\"conversation_id\":null,\"message_id\":null,"
                         "\"delivered_to\":[],\"status\":null,\"attachments\":[],"
                         "\"skipped\":\"unknown_patient\""));
    CHECK(count_of(json, "\"skipped\":null") == 2);
    CHECK(count_of(json, "\"status\":\"open\"") == 2);
    pmsg_string_free(json);

    /* Each conversation is an ordinary one. */
    MUST(pmsg_view_json(store, "account:a-lea", first, T0 + 1000, &json));
    CHECK(CONTAINS(json, "\"subject\":\"Flu clinic\""));
    pmsg_string_free(json);
    MUST(pmsg_download(store, "account:a-lea", first, att, T0 + 1000, &bytes, &len));
    CHECK(len == 15 && memcmp(bytes, "bring your card", 15) == 0);
    pmsg_bytes_free(bytes, len);
    EXPECT(pmsg_download(store, "account:a-lea", first, other, T0, &bytes, &len),
           PMSG_UNKNOWN_ATTACHMENT); /* the other conversation's copy */

    /* Nothing reachable, or a chart filing: refused, nothing recorded. */
    EXPECT(pmsg_send_group_json(store,
                                "{\"author\": \"s-dr\", \"patients\": [\"E999\"], \"from\":"
                                " \"direct\", \"subject\": \"x\", \"body\": \"y\"}",
                                T0, &failed),
           PMSG_RECIPIENT_NOT_REACHABLE);
    EXPECT_MESSAGE("E999");
    CHECK(failed == NULL);
    EXPECT(pmsg_send_group_json(store,
                                "{\"author\": \"s-dr\", \"patients\": [\"E100\"], \"from\":"
                                " \"direct\", \"subject\": \"x\", \"body\": \"y\","
                                " \"file_to_chart\": true}",
                                T0, &failed),
           PMSG_INVALID_OPTIONS);
    EXPECT(pmsg_send_group_json(store,
                                "{\"author\": \"s-dr\", \"patients\": \"E100\", \"from\":"
                                " \"direct\", \"subject\": \"x\", \"body\": \"y\"}",
                                T0, &failed),
           PMSG_INVALID_ARGUMENT);

    /* R-G5: for the author and the from-workgroup's members only. */
    MUST(pmsg_group_report_json(store, "staff:s-nurse", group, T0 + 2000, &json));
    CHECK(CONTAINS(json, group));
    CHECK(count_of(json, "\"emr_id\":") == 3);
    CHECK(CONTAINS(json, "\"skipped\":\"unknown_patient\""));
    CHECK(count_of(json, "\"awaiting_response\":true") == 2);
    CHECK(count_of(json, "\"read\":false") == 3);
    pmsg_string_free(json);
    EXPECT(pmsg_group_report_json(store, "account:a-lea", group, T0, &failed),
           PMSG_NOT_AUTHORIZED);
    CHECK(failed == NULL);
    EXPECT(pmsg_group_report_json(store, "staff:s-dr", "no-such-group", T0, &failed),
           PMSG_UNKNOWN_GROUP);
    EXPECT_MESSAGE("no-such-group");
    CHECK(PMSG_UNKNOWN_GROUP == 29);
    CHECK(same(pmsg_status_name(PMSG_UNKNOWN_GROUP), "unknown_group"));
    EXPECT(pmsg_group_report_json(store, "workgroup:w-front", group, T0, &failed),
           PMSG_INVALID_ARGUMENT);
    MUST(pmsg_audit_tail_json(store, 2, &json));
    CHECK(CONTAINS(json, "\"action\":\"group_report\",\"conversation\":null"));
    CHECK(CONTAINS(json, "\"action\":\"refused\",\"conversation\":null"));
    pmsg_string_free(json);
    MUST(pmsg_verify_audit_json(store, &json));
    CHECK(CONTAINS(json, "\"ok\":true"));
    pmsg_string_free(json);
    pmsg_close(store);
}

int main(void) {
    version_matches_header();
    whole_conversation();
    claims();
    confidential();
    assignment();
    group_sends();
    file_store_survives_reopen();
    return finish("abi_smoke");
}
