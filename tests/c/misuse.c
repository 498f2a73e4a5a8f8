/*
 * misuse: what a careless host can do to libpmsg, and what it gets back.
 *
 * - NULL for every pointer argument of every function: PMSG_INVALID_ARGUMENT
 *   with a message naming the argument, and the out-pointers cleared.
 * - A string that is not UTF-8 for every string argument: the same.
 * - Numbers out of range, malformed JSON, a JSON value that is not an object.
 * - _free(NULL) and pmsg_close(NULL): no-ops that keep the last error.
 * - pmsg_status_name for 0..=29 (the SPEC section 13 codes, distinct) and
 *   for values outside the enum ("unknown").
 * - A panic inside pmsg: PMSG_INTERNAL, never an unwind into C, and the
 *   store keeps working.
 * - Error messages are per thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "common.h"

/* Values an out-pointer holds before a call, to see that a failure clears it. */
#define BAD_STORE ((pmsg_store *)&failures)
#define BAD_OUTCOME ((pmsg_outcome *)&failures)
#define BAD_STRING ((char *)&failures)
#define BAD_CSTRING ((const char *)&failures)
#define BAD_BYTES ((uint8_t *)&failures)

static const char NOT_UTF8[] = "caf\xe9"; /* Latin-1, not UTF-8 */

static pmsg_store *store;
static char conv[128], att[128];

/* The call returns PMSG_INVALID_ARGUMENT with a message naming `name`. */
#define REFUSED(call, name)                        \
    do {                                           \
        if (EXPECT(call, PMSG_INVALID_ARGUMENT)) { \
            EXPECT_MESSAGE("`" name "`");          \
        }                                          \
    } while (0)

/* As REFUSED, and the message says the string is not UTF-8. */
#define NOT_UTF8_REFUSED(call, name) \
    do {                             \
        REFUSED(call, name);         \
        EXPECT_MESSAGE("UTF-8");     \
    } while (0)

static void setup(void) {
    pmsg_outcome *outcome = NULL;
    const char *s = NULL;
    MUST(pmsg_open_in_memory(NULL, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    MUST(pmsg_send_json(store,
                        "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
                        " \"subject\": \"Hi\", \"body\": \"Hello\", \"attachments\": [{\"name\":"
                        " \"a.txt\", \"media_type\": \"text/plain\", \"text\": \"abc\"}]}",
                        T0, &outcome));
    MUST(pmsg_outcome_conversation_id(outcome, &s));
    strcpy(conv, s);
    MUST(pmsg_outcome_attachment_id(outcome, 0, &s));
    strcpy(att, s);
    pmsg_outcome_free(outcome);
}

static void null_store_functions(void) {
    pmsg_store *st = BAD_STORE;
    pmsg_outcome *o = BAD_OUTCOME;
    char *js = BAD_STRING;
    uint8_t *b = BAD_BYTES;
    size_t len = 7;
    const char *send = "{\"author\": \"s-dr\"}";

    REFUSED(pmsg_open(NULL, NULL, &st), "path");
    CHECK(st == NULL);
    REFUSED(pmsg_open("/tmp/pmsg-misuse-never.db", NULL, NULL), "out");
    REFUSED(pmsg_open_in_memory(NULL, NULL), "out");
    st = BAD_STORE;
    REFUSED(pmsg_open_encrypted(NULL, "key", NULL, &st), "path");
    CHECK(st == NULL);
    REFUSED(pmsg_open_encrypted("/tmp/pmsg-misuse-never.db", NULL, NULL, &st), "key");
    REFUSED(pmsg_open_encrypted("/tmp/pmsg-misuse-never.db", "", NULL, &st), "key");
    EXPECT_MESSAGE("is empty");
    REFUSED(pmsg_open_encrypted("/tmp/pmsg-misuse-never.db", "key", NULL, NULL), "out");

    REFUSED(pmsg_directory_upsert_json(NULL, DIRECTORY_JSON), "store");
    REFUSED(pmsg_directory_upsert_json(store, NULL), "json");

    o = BAD_OUTCOME;
    REFUSED(pmsg_send_json(NULL, send, T0, &o), "store");
    CHECK(o == NULL);
    REFUSED(pmsg_send_json(store, NULL, T0, &o), "request_json");
    REFUSED(pmsg_send_json(store, send, T0, NULL), "out");
    o = BAD_OUTCOME;
    REFUSED(pmsg_reply_json(NULL, send, T0, &o), "store");
    CHECK(o == NULL);
    REFUSED(pmsg_reply_json(store, NULL, T0, &o), "request_json");
    REFUSED(pmsg_reply_json(store, send, T0, NULL), "out");

    REFUSED(pmsg_read(NULL, "account:a-lea", conv, T0), "store");
    REFUSED(pmsg_read(store, NULL, conv, T0), "by");
    REFUSED(pmsg_read(store, "account:a-lea", NULL, T0), "conversation");
    REFUSED(pmsg_close_conversation(NULL, "staff:s-dr", conv, T0), "store");
    REFUSED(pmsg_close_conversation(store, NULL, conv, T0), "by");
    REFUSED(pmsg_close_conversation(store, "staff:s-dr", NULL, T0), "conversation");
    REFUSED(pmsg_ack(NULL, "e", T0), "store");
    REFUSED(pmsg_ack(store, NULL, T0), "event_id");
    REFUSED(pmsg_assign(NULL, "staff:s-dr", conv, "workgroup:w-front", NULL, T0), "store");
    REFUSED(pmsg_assign(store, NULL, conv, "workgroup:w-front", NULL, T0), "by");
    REFUSED(pmsg_assign(store, "staff:s-dr", NULL, "workgroup:w-front", NULL, T0),
            "conversation");
    REFUSED(pmsg_assign(store, "staff:s-dr", conv, NULL, "note", T0), "to");

    REFUSED(pmsg_download(NULL, "account:a-lea", conv, att, T0, &b, &len), "store");
    CHECK(b == NULL && len == 0);
    REFUSED(pmsg_download(store, NULL, conv, att, T0, &b, &len), "by");
    REFUSED(pmsg_download(store, "account:a-lea", NULL, att, T0, &b, &len), "conversation");
    REFUSED(pmsg_download(store, "account:a-lea", conv, NULL, T0, &b, &len), "attachment_id");
    REFUSED(pmsg_download(store, "account:a-lea", conv, att, T0, NULL, &len), "out_bytes");
    REFUSED(pmsg_download(store, "account:a-lea", conv, att, T0, &b, NULL), "out_len");

    js = BAD_STRING;
    REFUSED(pmsg_view_json(NULL, "account:a-lea", conv, T0, &js), "store");
    CHECK(js == NULL);
    REFUSED(pmsg_view_json(store, NULL, conv, T0, &js), "by");
    REFUSED(pmsg_view_json(store, "account:a-lea", NULL, T0, &js), "conversation");
    REFUSED(pmsg_view_json(store, "account:a-lea", conv, T0, NULL), "out");

    REFUSED(pmsg_due_events_json(NULL, T0, -1, &js), "store");
    REFUSED(pmsg_due_events_json(store, T0, -1, NULL), "out");

    js = BAD_STRING;
    REFUSED(pmsg_claim_due_events_json(NULL, "w1", T0, -1, 60, &js), "store");
    CHECK(js == NULL);
    js = BAD_STRING;
    REFUSED(pmsg_claim_due_events_json(store, NULL, T0, -1, 60, &js), "worker");
    CHECK(js == NULL);
    REFUSED(pmsg_claim_due_events_json(store, "w1", T0, -1, 60, NULL), "out");

    js = BAD_STRING;
    REFUSED(pmsg_send_group_json(NULL, send, T0, &js), "store");
    CHECK(js == NULL);
    REFUSED(pmsg_send_group_json(store, NULL, T0, &js), "request_json");
    REFUSED(pmsg_send_group_json(store, send, T0, NULL), "out");

    js = BAD_STRING;
    REFUSED(pmsg_group_report_json(NULL, "staff:s-dr", "g", T0, &js), "store");
    CHECK(js == NULL);
    REFUSED(pmsg_group_report_json(store, NULL, "g", T0, &js), "by");
    REFUSED(pmsg_group_report_json(store, "staff:s-dr", NULL, T0, &js), "group_id");
    REFUSED(pmsg_group_report_json(store, "staff:s-dr", "g", T0, NULL), "out");

    REFUSED(pmsg_folder_json(NULL, "staff:s-dr", "inbox", NULL, 0, T0, &js), "store");
    REFUSED(pmsg_folder_json(store, NULL, "inbox", NULL, 0, T0, &js), "by");
    REFUSED(pmsg_folder_json(store, "staff:s-dr", NULL, NULL, 0, T0, &js), "folder");
    REFUSED(pmsg_folder_json(store, "staff:s-dr", "inbox", NULL, 0, T0, NULL), "out");

    REFUSED(pmsg_search_json(NULL, "roy", T0, &js), "store");
    REFUSED(pmsg_search_json(store, NULL, T0, &js), "query");
    REFUSED(pmsg_search_json(store, "roy", T0, NULL), "out");

    REFUSED(pmsg_purge_json(NULL, T0, &js), "store");
    REFUSED(pmsg_purge_json(store, T0, NULL), "out");

    REFUSED(pmsg_billing_report_json(NULL, "2026-03", &js), "store");
    REFUSED(pmsg_billing_report_json(store, NULL, &js), "cycle");
    REFUSED(pmsg_billing_report_json(store, "2026-03", NULL), "out");
    REFUSED(pmsg_billing_report_csv(NULL, "2026-03", &js), "store");
    REFUSED(pmsg_billing_report_csv(store, NULL, &js), "cycle");
    REFUSED(pmsg_billing_report_csv(store, "2026-03", NULL), "out");

    REFUSED(pmsg_export_chart(NULL, "staff:s-dr", conv, "text", T0, &js), "store");
    REFUSED(pmsg_export_chart(store, NULL, conv, "text", T0, &js), "by");
    REFUSED(pmsg_export_chart(store, "staff:s-dr", NULL, "text", T0, &js), "conversation");
    REFUSED(pmsg_export_chart(store, "staff:s-dr", conv, NULL, T0, &js), "format");
    REFUSED(pmsg_export_chart(store, "staff:s-dr", conv, "text", T0, NULL), "out");

    REFUSED(pmsg_audit_tail_json(NULL, 5, &js), "store");
    REFUSED(pmsg_audit_tail_json(store, 5, NULL), "out");
    REFUSED(pmsg_verify_audit_json(NULL, &js), "store");
    REFUSED(pmsg_verify_audit_json(store, NULL), "out");
    CHECK(js == NULL);
}

static void null_outcome_functions(void) {
    pmsg_outcome *o = NULL;
    const char *s = BAD_CSTRING;
    size_t n = 7;

    MUST(pmsg_send_json(store,
                        "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
                        " \"subject\": \"Hi\", \"body\": \"Hello\"}",
                        T0, &o));

    REFUSED(pmsg_outcome_conversation_id(NULL, &s), "outcome");
    CHECK(s == NULL);
    REFUSED(pmsg_outcome_conversation_id(o, NULL), "out");
    REFUSED(pmsg_outcome_message_id(NULL, &s), "outcome");
    REFUSED(pmsg_outcome_message_id(o, NULL), "out");
    REFUSED(pmsg_outcome_status(NULL, &s), "outcome");
    REFUSED(pmsg_outcome_status(o, NULL), "out");
    REFUSED(pmsg_outcome_delivered_to_count(NULL, &n), "outcome");
    CHECK(n == 0);
    REFUSED(pmsg_outcome_delivered_to_count(o, NULL), "out");
    REFUSED(pmsg_outcome_delivered_to(NULL, 0, &s), "outcome");
    REFUSED(pmsg_outcome_delivered_to(o, 0, NULL), "out");
    REFUSED(pmsg_outcome_attachment_count(NULL, &n), "outcome");
    REFUSED(pmsg_outcome_attachment_count(o, NULL), "out");
    REFUSED(pmsg_outcome_attachment_id(NULL, 0, &s), "outcome");
    REFUSED(pmsg_outcome_attachment_id(o, 0, NULL), "out");
    REFUSED(pmsg_outcome_attachment_name(NULL, 0, &s), "outcome");
    REFUSED(pmsg_outcome_attachment_name(o, 0, NULL), "out");
    REFUSED(pmsg_outcome_chart_text(NULL, &s), "outcome");
    REFUSED(pmsg_outcome_chart_text(o, NULL), "out");
    REFUSED(pmsg_outcome_chart_fhir(NULL, &s), "outcome");
    REFUSED(pmsg_outcome_chart_fhir(o, NULL), "out");

    /* An index past the end names `index` and the list's length. */
    s = BAD_CSTRING;
    REFUSED(pmsg_outcome_attachment_id(o, 0, &s), "index");
    EXPECT_MESSAGE("attachment count is 0");
    CHECK(s == NULL);
    REFUSED(pmsg_outcome_attachment_name(o, (size_t)-1, &s), "index");
    REFUSED(pmsg_outcome_delivered_to(o, 1, &s), "index");
    EXPECT_MESSAGE("recipient count is 1");

    pmsg_outcome_free(o);
}

static void strings_that_are_not_utf8(void) {
    pmsg_store *st = NULL;
    pmsg_outcome *o = NULL;
    char *js = NULL;
    uint8_t *b = NULL;
    size_t len = 0;

    NOT_UTF8_REFUSED(pmsg_open(NOT_UTF8, NULL, &st), "path");
    NOT_UTF8_REFUSED(pmsg_open_encrypted(NOT_UTF8, "key", NULL, &st), "path");
    NOT_UTF8_REFUSED(pmsg_open_encrypted("/tmp/pmsg-misuse-never.db", NOT_UTF8, NULL, &st), "key");
    NOT_UTF8_REFUSED(pmsg_open_in_memory(NOT_UTF8, &st), "config_json");
    NOT_UTF8_REFUSED(pmsg_directory_upsert_json(store, NOT_UTF8), "json");
    NOT_UTF8_REFUSED(pmsg_send_json(store, NOT_UTF8, T0, &o), "request_json");
    NOT_UTF8_REFUSED(pmsg_reply_json(store, NOT_UTF8, T0, &o), "request_json");
    NOT_UTF8_REFUSED(pmsg_read(store, NOT_UTF8, conv, T0), "by");
    NOT_UTF8_REFUSED(pmsg_read(store, "account:a-lea", NOT_UTF8, T0), "conversation");
    NOT_UTF8_REFUSED(pmsg_close_conversation(store, NOT_UTF8, conv, T0), "by");
    NOT_UTF8_REFUSED(pmsg_close_conversation(store, "staff:s-dr", NOT_UTF8, T0), "conversation");
    NOT_UTF8_REFUSED(pmsg_ack(store, NOT_UTF8, T0), "event_id");
    NOT_UTF8_REFUSED(pmsg_assign(store, NOT_UTF8, conv, "workgroup:w-front", NULL, T0), "by");
    NOT_UTF8_REFUSED(pmsg_assign(store, "staff:s-dr", NOT_UTF8, "workgroup:w-front", NULL, T0),
                     "conversation");
    NOT_UTF8_REFUSED(pmsg_assign(store, "staff:s-dr", conv, NOT_UTF8, NULL, T0), "to");
    NOT_UTF8_REFUSED(pmsg_assign(store, "staff:s-dr", conv, "workgroup:w-front", NOT_UTF8, T0),
                     "note");
    NOT_UTF8_REFUSED(pmsg_claim_due_events_json(store, NOT_UTF8, T0, -1, 60, &js), "worker");
    NOT_UTF8_REFUSED(pmsg_send_group_json(store, NOT_UTF8, T0, &js), "request_json");
    NOT_UTF8_REFUSED(pmsg_group_report_json(store, NOT_UTF8, "g", T0, &js), "by");
    NOT_UTF8_REFUSED(pmsg_group_report_json(store, "staff:s-dr", NOT_UTF8, T0, &js), "group_id");
    NOT_UTF8_REFUSED(pmsg_download(store, NOT_UTF8, conv, att, T0, &b, &len), "by");
    NOT_UTF8_REFUSED(pmsg_download(store, "account:a-lea", NOT_UTF8, att, T0, &b, &len),
                     "conversation");
    NOT_UTF8_REFUSED(pmsg_download(store, "account:a-lea", conv, NOT_UTF8, T0, &b, &len),
                     "attachment_id");
    NOT_UTF8_REFUSED(pmsg_view_json(store, NOT_UTF8, conv, T0, &js), "by");
    NOT_UTF8_REFUSED(pmsg_view_json(store, "account:a-lea", NOT_UTF8, T0, &js), "conversation");
    NOT_UTF8_REFUSED(pmsg_folder_json(store, NOT_UTF8, "inbox", NULL, 0, T0, &js), "by");
    NOT_UTF8_REFUSED(pmsg_folder_json(store, "staff:s-dr", NOT_UTF8, NULL, 0, T0, &js), "folder");
    NOT_UTF8_REFUSED(pmsg_folder_json(store, "staff:s-dr", "inbox", NOT_UTF8, 0, T0, &js),
                     "cursor");
    NOT_UTF8_REFUSED(pmsg_search_json(store, NOT_UTF8, T0, &js), "query");
    NOT_UTF8_REFUSED(pmsg_billing_report_json(store, NOT_UTF8, &js), "cycle");
    NOT_UTF8_REFUSED(pmsg_billing_report_csv(store, NOT_UTF8, &js), "cycle");
    NOT_UTF8_REFUSED(pmsg_export_chart(store, NOT_UTF8, conv, "text", T0, &js), "by");
    NOT_UTF8_REFUSED(pmsg_export_chart(store, "staff:s-dr", NOT_UTF8, "text", T0, &js),
                     "conversation");
    NOT_UTF8_REFUSED(pmsg_export_chart(store, "staff:s-dr", conv, NOT_UTF8, T0, &js), "format");
    CHECK(st == NULL && o == NULL && js == NULL && b == NULL && len == 0);
}

static void numbers_out_of_range_and_malformed_json(void) {
    pmsg_outcome *o = NULL;
    char *js = NULL;
    uint8_t *b = NULL;
    size_t len = 0;
    const char *send = "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
                       " \"subject\": \"Hi\", \"body\": \"Hello\"}";

    /* Instants beyond what pmsg can represent, on every function that takes one. */
    REFUSED(pmsg_send_json(store, send, INT64_MAX, &o), "now_ms");
    EXPECT_MESSAGE("9223372036854775807");
    REFUSED(pmsg_read(store, "account:a-lea", conv, INT64_MIN), "now_ms");
    REFUSED(pmsg_close_conversation(store, "staff:s-dr", conv, INT64_MAX), "now_ms");
    REFUSED(pmsg_ack(store, "e", INT64_MAX), "now_ms");
    REFUSED(pmsg_download(store, "account:a-lea", conv, att, INT64_MAX, &b, &len), "now_ms");
    REFUSED(pmsg_view_json(store, "account:a-lea", conv, INT64_MAX, &js), "now_ms");
    REFUSED(pmsg_due_events_json(store, INT64_MAX, -1, &js), "now_ms");
    REFUSED(pmsg_folder_json(store, "staff:s-dr", "inbox", NULL, 0, INT64_MAX, &js), "now_ms");
    REFUSED(pmsg_search_json(store, "roy", INT64_MAX, &js), "now_ms");
    REFUSED(pmsg_purge_json(store, INT64_MIN, &js), "now_ms");
    REFUSED(pmsg_export_chart(store, "staff:s-dr", conv, "text", INT64_MAX, &js), "now_ms");
    REFUSED(pmsg_assign(store, "staff:s-dr", conv, "workgroup:w-front", NULL, INT64_MIN),
            "now_ms");
    REFUSED(pmsg_claim_due_events_json(store, "w1", INT64_MAX, -1, 60, &js), "now_ms");
    REFUSED(pmsg_group_report_json(store, "staff:s-dr", "g", INT64_MAX, &js), "now_ms");

    /* Counts and sizes (the core's messages name the value and the rule). */
    EXPECT(pmsg_due_events_json(store, T0, -2, &js), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("-2");
    MUST(pmsg_due_events_json(store, T0, 0, &js));
    CHECK(same(js, "[]"));
    pmsg_string_free(js);
    EXPECT(pmsg_folder_json(store, "staff:s-dr", "inbox", NULL, 1001, T0, &js),
           PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("1001");
    EXPECT(pmsg_folder_json(store, "staff:s-dr", "inbox", "v2.x", 0, T0, &js),
           PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("v2.x");
    EXPECT(pmsg_audit_tail_json(store, -1, &js), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("-1");
    /* R-D7: the claim arguments, each refused with its value named. */
    EXPECT(pmsg_claim_due_events_json(store, "w1", T0, -2, 60, &js), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("-2");
    EXPECT(pmsg_claim_due_events_json(store, "w1", T0, -1, 0, &js), PMSG_INVALID_ARGUMENT);
    EXPECT(pmsg_claim_due_events_json(store, "w1", T0, -1, 86401, &js), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("86401");
    EXPECT(pmsg_claim_due_events_json(store, "w1", T0, -1, INT64_MIN, &js),
           PMSG_INVALID_ARGUMENT);
    EXPECT(pmsg_claim_due_events_json(store, "", T0, -1, 60, &js), PMSG_INVALID_ARGUMENT);
    EXPECT(pmsg_claim_due_events_json(store, "w\x01", T0, -1, 60, &js), PMSG_INVALID_ARGUMENT);
    CHECK(js == NULL);
    MUST(pmsg_claim_due_events_json(store, "w1", T0, 0, 60, &js));
    CHECK(same(js, "[]"));
    pmsg_string_free(js);
    js = NULL;
    EXPECT(pmsg_search_json(store, "   ", T0, &js), PMSG_INVALID_ARGUMENT);
    CHECK(js == NULL);

    /* A wrong length given back to pmsg_bytes_free cannot corrupt the heap
     * (valgrind and ASan watch this one). */
    MUST(pmsg_download(store, "account:a-lea", conv, att, T0, &b, &len));
    CHECK(len == 3 && memcmp(b, "abc", 3) == 0);
    pmsg_bytes_free(b, len + 1000);

    /* Malformed JSON, and JSON that is not an object. */
    REFUSED(pmsg_send_json(store, "{\"author\": ", T0, &o), "request_json");
    EXPECT_MESSAGE("not valid JSON");
    REFUSED(pmsg_send_json(store, "[1, 2]", T0, &o), "request_json");
    EXPECT_MESSAGE("not a JSON object");
    REFUSED(pmsg_reply_json(store, "\"text\"", T0, &o), "request_json");
    REFUSED(pmsg_send_group_json(store, "{\"author\": ", T0, &js), "request_json");
    EXPECT_MESSAGE("not valid JSON");
    REFUSED(pmsg_send_group_json(store, "[\"E100\"]", T0, &js), "request_json");
    EXPECT_MESSAGE("not a JSON object");
    CHECK(js == NULL);
    REFUSED(pmsg_directory_upsert_json(store, "null"), "json");
    REFUSED(pmsg_directory_upsert_json(store, ""), "json");
    EXPECT(pmsg_directory_upsert_json(store, "{\"accounts\": [{\"id\": \"x\"}]}"),
           PMSG_INVALID_ARGUMENT);
    {
        pmsg_store *other = BAD_STORE;
        EXPECT(pmsg_open_in_memory("{\"time_zone\": ", &other), PMSG_INVALID_CONFIG);
        EXPECT_MESSAGE("`config_json`");
        CHECK(other == NULL);
        EXPECT(pmsg_open_in_memory("[]", &other), PMSG_INVALID_CONFIG);
        CHECK(other == NULL);
    }
    CHECK(o == NULL);
}

static void frees_accept_null_and_keep_the_last_error(void) {
    EXPECT(pmsg_ack(store, "missing-event", T0), PMSG_UNKNOWN_EVENT);
    pmsg_string_free(NULL);
    pmsg_bytes_free(NULL, 0);
    pmsg_bytes_free(NULL, 12);
    pmsg_outcome_free(NULL);
    pmsg_close(NULL);
    (void)pmsg_status_name(PMSG_OK);
    (void)pmsg_version();
    EXPECT_MESSAGE("missing-event");
    /* A failed call's result is NULL, which the _free functions take. */
    {
        char *js = BAD_STRING;
        REFUSED(pmsg_claim_due_events_json(store, NULL, T0, -1, 60, &js), "worker");
        CHECK(js == NULL);
        pmsg_string_free(js);
        js = BAD_STRING;
        REFUSED(pmsg_send_group_json(store, NULL, T0, &js), "request_json");
        pmsg_string_free(js);
        js = BAD_STRING;
        REFUSED(pmsg_group_report_json(store, "staff:s-dr", NULL, T0, &js), "group_id");
        pmsg_string_free(js);
        EXPECT_MESSAGE("`group_id`");
    }
    EXPECT(pmsg_ack(store, "missing-event", T0), PMSG_UNKNOWN_EVENT);
    /* ...and the next call that succeeds clears it. */
    {
        char *js = NULL;
        MUST(pmsg_verify_audit_json(store, &js));
        pmsg_string_free(js);
    }
    CHECK(same(pmsg_last_error_message(), ""));
}

static void status_names(void) {
    static const char *const expected[30] = {
        "ok",
        "unknown_patient", "recipient_not_reachable", "not_workgroup_member",
        "direct_not_accepted", "invalid_subject", "invalid_body", "invalid_notify_interval",
        "invalid_response_deadline", "invalid_options", "attachment_too_large",
        "attachment_type_not_allowed", "too_many_attachments", "invalid_fee_code",
        "unknown_conversation", "unknown_attachment", "unknown_event", "unknown_staff",
        "unknown_account", "unknown_workgroup", "not_authorized", "conversation_closed",
        "attachments_not_allowed", "attachment_expired", "invalid_argument", "invalid_config",
        "schema_too_new", "storage", "internal", "unknown_group"};
    static const int32_t outside[] = {-1, 30, 31, 1000, INT32_MAX, INT32_MIN};
    int32_t i, j;

    for (i = 0; i <= 29; i++) {
        const char *name = pmsg_status_name(i);
        if (!same(name, expected[i])) {
            fprintf(stderr, "pmsg_status_name(%d) = \"%s\", expected \"%s\"\n", (int)i,
                    name ? name : "(NULL)", expected[i]);
            failures++;
        }
        for (j = 0; j < i; j++) CHECK(!same(pmsg_status_name(i), pmsg_status_name(j)));
    }
    for (i = 0; i < (int32_t)(sizeof outside / sizeof outside[0]); i++)
        CHECK(same(pmsg_status_name(outside[i]), "unknown"));
    /* The enum's values are the documented ones. */
    CHECK(PMSG_OK == 0 && PMSG_UNKNOWN_PATIENT == 1 && PMSG_INVALID_ARGUMENT == 24);
    CHECK(PMSG_INTERNAL == 28 && sizeof(pmsg_status) == 4);
    CHECK(same(pmsg_status_name(PMSG_INTERNAL), "internal"));
    /* A new code takes the next number (SPEC section 13 is append-only). */
    CHECK(PMSG_UNKNOWN_GROUP == 29);
    CHECK(same(pmsg_status_name(PMSG_UNKNOWN_GROUP), "unknown_group"));
    CHECK(same(pmsg_status_name(29), "unknown_group"));
}

static void panics_become_internal(void) {
    pmsg_outcome *o = BAD_OUTCOME;
    char *js = NULL;
#ifdef PMSG_TEST_PANIC
    EXPECT(pmsg_test_force_panic(), PMSG_INTERNAL);
    EXPECT_MESSAGE("panicked");
    EXPECT_MESSAGE("pmsg_test_force_panic was called");
#else
    printf("misuse: the library was built without the test-panic feature;"
           " the forced panic is not checked\n");
#endif
    /* A request that makes the core build an impossibly long body: today
     * the core panics (capacity overflow in request::text), which must
     * come back as PMSG_INTERNAL; once the core validates it, as
     * invalid_body. Either way: a status, never a crash. */
    {
        pmsg_status st = pmsg_send_json(
            store,
            "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
            " \"subject\": \"Hi\", \"body\": {\"repeat\": \"ab\", \"times\": 18446744073709551615}}",
            T0, &o);
        CHECK(st == PMSG_INTERNAL || st == PMSG_INVALID_BODY);
        CHECK(o == NULL);
        CHECK(strlen(pmsg_last_error_message()) > 0);
        printf("misuse: an overflowing repeat count gives %s: %s\n", pmsg_status_name(st),
               pmsg_last_error_message());
    }
    /* The store is still sound after the panics. */
    MUST(pmsg_verify_audit_json(store, &js));
    CHECK(CONTAINS(js, "\"ok\":true"));
    pmsg_string_free(js);
    CHECK(same(pmsg_last_error_message(), ""));
}

static void *fail_on_another_thread(void *arg) {
    (void)arg;
    EXPECT(pmsg_ack(store, "thread-event", T0), PMSG_UNKNOWN_EVENT);
    EXPECT_MESSAGE("thread-event");
    return NULL;
}

static void messages_are_per_thread(void) {
    pthread_t t;
    EXPECT(pmsg_ack(store, "main-event", T0), PMSG_UNKNOWN_EVENT);
    REQUIRE(pthread_create(&t, NULL, fail_on_another_thread, NULL) == 0);
    REQUIRE(pthread_join(t, NULL) == 0);
    EXPECT_MESSAGE("main-event");
    CHECK(!CONTAINS(pmsg_last_error_message(), "thread-event"));
}

int main(void) {
    setup();
    null_store_functions();
    null_outcome_functions();
    strings_that_are_not_utf8();
    numbers_out_of_range_and_malformed_json();
    frees_accept_null_and_keep_the_last_error();
    status_names();
    panics_become_internal();
    messages_are_per_thread();
    pmsg_close(store);
    return finish("misuse");
}
