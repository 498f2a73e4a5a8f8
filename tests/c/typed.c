/*
 * typed: the typed C API, with no JSON to write or read. Requests built
 * with the pmsg_send_request_* setters for a send, a reply and a group
 * send, each option checked in what the send did; the setters' own
 * errors (naming the argument), a failed setter ignored by the host (the
 * send then fails with it, at its field's place in R-S2's order), fields
 * an operation does not take. Every typed result
 * (pmsg_events, pmsg_view, pmsg_folder_page, pmsg_matches, pmsg_purged,
 * pmsg_billing, pmsg_group_progress) is read field by field and checked
 * against what the scenario did; then what a careless host can do to the
 * accessors: a NULL handle or out-pointer, an index out of range (each
 * PMSG_INVALID_ARGUMENT naming the argument, *out cleared), _free(NULL).
 * (A value holding U+0000, which no validated input lets in, is the Rust
 * unit tests' case: ffi/src/lend.rs.)
 * (The conformance runner's --typed run checks every field against the
 * JSON forms over all scenarios.)
 */
#define _POSIX_C_SOURCE 200809L

#include "common.h"

static const char *CONFIG =
    "{\"time_zone\": \"America/Toronto\", \"retention_days_after_download\": 7}";

#define MIN_MS INT64_C(60000)

/* A borrowed string accessor: PMSG_OK and the text `want` (NULL: no value). */
#define TEXT_IS(call_out, want)                                     \
    do {                                                            \
        const char *s_ = "sentinel";                                \
        if (OK(call_out)) CHECK(same(s_, (want)));                  \
    } while (0)
/* For TEXT_IS: the out-pointer argument. */
#define S (&s_)

#define VALUE_IS(type, call_out, want)                              \
    do {                                                            \
        type v_ = (type)12345;                                      \
        if (OK(call_out)) CHECK(v_ == (want));                      \
    } while (0)
#define V (&v_)

/* The call is PMSG_INVALID_ARGUMENT naming `name`, and cleared *out (`cleared`). */
#define REFUSED(call, name, cleared)                                \
    do {                                                            \
        if (EXPECT(call, PMSG_INVALID_ARGUMENT)) {                  \
            EXPECT_MESSAGE("`" name "`");                           \
        }                                                           \
        CHECK(cleared);                                             \
    } while (0)

static void send_json(const pmsg_store *store, const char *request, int64_t now, char *conv,
                      size_t cap) {
    pmsg_outcome *o = NULL;
    const char *s = NULL;
    MUST(pmsg_send_json(store, request, now, &o));
    MUST(pmsg_outcome_conversation_id(o, &s));
    REQUIRE(strlen(s) < cap);
    strcpy(conv, s);
    pmsg_outcome_free(o);
}

static void results(void) {
    pmsg_store *store = NULL;
    pmsg_events *events = NULL;
    pmsg_view *view = NULL;
    pmsg_folder_page *page = NULL;
    pmsg_matches *matches = NULL;
    pmsg_purged *purged = NULL;
    pmsg_billing *billing = NULL;
    pmsg_group_progress *progress = NULL;
    char conv[128], second[128], cursor[256], att[128], id[128], *json = NULL;
    const char *s = NULL;
    size_t n = 0, i;
    int32_t flag = 7;
    uint8_t *bytes = NULL;
    size_t len = 0;

    MUST(pmsg_open_in_memory(CONFIG, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    send_json(store,
              "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"workgroup:w-front\","
              " \"subject\": \"Lab results\", \"body\": \"Your results are in.\","
              " \"attachments\": [{\"name\": \"lab.txt\", \"media_type\": \"text/plain\","
              " \"text\": \"hello pmsg\"}], \"response\": {\"required_days\": 3},"
              " \"billable_fee_code\": \"a1\"}",
              T0, conv, sizeof conv);

    /* Due events: the new message to Léa, no claim. */
    MUST(pmsg_events_due(store, T0, -1, &events));
    VALUE_IS(size_t, pmsg_events_count(events, V), 1);
    TEXT_IS(pmsg_events_kind(events, 0, S), "new_message");
    TEXT_IS(pmsg_events_to(events, 0, S), "account:a-lea");
    TEXT_IS(pmsg_events_conversation(events, 0, S), conv);
    TEXT_IS(pmsg_events_due_at(events, 0, S), "2026-03-10T10:00:00-04:00");
    TEXT_IS(pmsg_events_claimed_until(events, 0, S), NULL);
    OK(pmsg_events_message(events, 0, &s));
    CHECK(s != NULL && strlen(s) > 0);
    OK(pmsg_events_notice(events, 0, &s));
    CHECK(s != NULL && strlen(s) > 0 && !CONTAINS(s, "Lab results"));
    MUST(pmsg_events_id(events, 0, &s));
    REQUIRE(strlen(s) < sizeof id);
    strcpy(id, s);
    /* The JSON form lists the same event. */
    MUST(pmsg_due_events_json(store, T0, -1, &json));
    CHECK(CONTAINS(json, id));
    pmsg_string_free(json);
    pmsg_events_free(events);

    /* A claim shows claimed_until = now + lease (R-D7); then acknowledge by id. */
    MUST(pmsg_events_claim(store, "worker-1", T0, 10, 60, &events));
    VALUE_IS(size_t, pmsg_events_count(events, V), 1);
    TEXT_IS(pmsg_events_id(events, 0, S), id);
    TEXT_IS(pmsg_events_claimed_until(events, 0, S), "2026-03-10T10:01:00-04:00");
    pmsg_events_free(events);
    MUST(pmsg_events_claim(store, "worker-2", T0, -1, 60, &events));
    VALUE_IS(size_t, pmsg_events_count(events, V), 0);
    pmsg_events_free(events);
    MUST(pmsg_ack(store, id, T0));

    /* The staff view: fields, one message with its attachment, no assignment yet. */
    MUST(pmsg_conversation_view(store, "staff:s-dr", conv, T0 + MIN_MS, &view));
    TEXT_IS(pmsg_view_id(view, S), conv);
    TEXT_IS(pmsg_view_subject(view, S), "Lab results");
    TEXT_IS(pmsg_view_status(view, S), "open");
    TEXT_IS(pmsg_view_patient_emr_id(view, S), "E100");
    TEXT_IS(pmsg_view_patient_name(view, S), "L\xc3\xa9" "a Roy");
    VALUE_IS(int32_t, pmsg_view_awaiting_response(view, V), 1);
    VALUE_IS(int32_t, pmsg_view_overdue(view, V), 0);
    VALUE_IS(int32_t, pmsg_view_confidential(view, V), 0);
    TEXT_IS(pmsg_view_response_due_at(view, S), "2026-03-13T10:00:00-04:00");
    VALUE_IS(size_t, pmsg_view_message_count(view, V), 1);
    TEXT_IS(pmsg_view_message_side(view, 0, S), "staff");
    TEXT_IS(pmsg_view_message_sender(view, 0, S), "Dr Stone");
    TEXT_IS(pmsg_view_message_from(view, 0, S), "Front desk");
    TEXT_IS(pmsg_view_message_body(view, 0, S), "Your results are in.");
    TEXT_IS(pmsg_view_message_sent_at(view, 0, S), "2026-03-10T10:00:00-04:00");
    VALUE_IS(int32_t, pmsg_view_message_read(view, 0, V), 0);
    VALUE_IS(int32_t, pmsg_view_message_masked(view, 0, V), 0);
    VALUE_IS(size_t, pmsg_view_message_recipient_count(view, 0, V), 1);
    TEXT_IS(pmsg_view_message_recipient(view, 0, 0, S), "account:a-lea");
    VALUE_IS(size_t, pmsg_view_attachment_count(view, 0, V), 1);
    TEXT_IS(pmsg_view_attachment_name(view, 0, 0, S), "lab.txt");
    TEXT_IS(pmsg_view_attachment_media_type(view, 0, 0, S), "text/plain");
    VALUE_IS(uint64_t, pmsg_view_attachment_size(view, 0, 0, V), 10);
    VALUE_IS(int32_t, pmsg_view_attachment_purged(view, 0, 0, V), 0);
    TEXT_IS(pmsg_view_attachment_purged_at(view, 0, 0, S), NULL);
    MUST(pmsg_view_attachment_id(view, 0, 0, &s));
    REQUIRE(strlen(s) < sizeof att);
    strcpy(att, s);
    VALUE_IS(size_t, pmsg_view_assignment_count(view, V), 0);

    /* Misuse of the accessors: each refused, naming the argument, *out cleared. */
    s = "sentinel";
    REFUSED(pmsg_view_message_id(view, 1, &s), "message", s == NULL);
    EXPECT_MESSAGE("= 1 is out of range (1 messages)");
    s = "sentinel";
    REFUSED(pmsg_view_attachment_name(view, 0, 1, &s), "attachment", s == NULL);
    s = "sentinel";
    REFUSED(pmsg_view_attachment_name(view, 2, 0, &s), "message", s == NULL);
    s = "sentinel";
    REFUSED(pmsg_view_message_recipient(view, 0, 5, &s), "index", s == NULL);
    s = "sentinel";
    REFUSED(pmsg_view_subject(NULL, &s), "view", s == NULL);
    REFUSED(pmsg_view_subject(view, NULL), "out", 1);
    n = 99;
    REFUSED(pmsg_view_message_count(NULL, &n), "view", n == 0);
    flag = 7;
    REFUSED(pmsg_view_message_read(view, 3, &flag), "message", flag == 0);
    REFUSED(pmsg_view_assignment_by(view, 0, &s), "index", s == NULL);
    /* _free(NULL) does nothing and keeps the last error. */
    pmsg_view_free(NULL);
    pmsg_events_free(NULL);
    pmsg_folder_page_free(NULL);
    pmsg_matches_free(NULL);
    pmsg_purged_free(NULL);
    pmsg_billing_free(NULL);
    pmsg_group_progress_free(NULL);
    EXPECT_MESSAGE("`index`");
    pmsg_view_free(view);

    /* After an assignment, staff views list it (R-AS4); the patient side never does. */
    MUST(pmsg_assign(store, "staff:s-dr", conv, "staff:s-dr", "please follow up", T0 + MIN_MS));
    MUST(pmsg_conversation_view(store, "staff:s-dr", conv, T0 + 2 * MIN_MS, &view));
    VALUE_IS(size_t, pmsg_view_assignment_count(view, V), 1);
    TEXT_IS(pmsg_view_assignment_by(view, 0, S), "staff:s-dr");
    TEXT_IS(pmsg_view_assignment_to(view, 0, S), "staff:s-dr");
    TEXT_IS(pmsg_view_assignment_note(view, 0, S), "please follow up");
    TEXT_IS(pmsg_view_assignment_at(view, 0, S), "2026-03-10T10:01:00-04:00");
    pmsg_view_free(view);
    MUST(pmsg_conversation_view(store, "account:a-lea", conv, T0 + 2 * MIN_MS, &view));
    VALUE_IS(size_t, pmsg_view_assignment_count(view, V), 0);
    pmsg_view_free(view);
    EXPECT(pmsg_conversation_view(store, "account:a-marc", conv, T0, &view), PMSG_NOT_AUTHORIZED);
    CHECK(view == NULL);

    /* Folder pages: a second conversation, pages of one, the cursor between them. */
    send_json(store,
              "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
              " \"subject\": \"Second\", \"body\": \"Another one.\"}",
              T0 + 3 * MIN_MS, second, sizeof second);
    MUST(pmsg_folder_list(store, "account:a-lea", "inbox", NULL, 1, T0 + 4 * MIN_MS, &page));
    VALUE_IS(size_t, pmsg_folder_page_count(page, V), 1);
    TEXT_IS(pmsg_folder_page_conversation(page, 0, S), second);
    TEXT_IS(pmsg_folder_page_subject(page, 0, S), "Second");
    TEXT_IS(pmsg_folder_page_last_activity(page, 0, S), "2026-03-10T10:03:00-04:00");
    VALUE_IS(int32_t, pmsg_folder_page_unread(page, 0, V), 1);
    VALUE_IS(int32_t, pmsg_folder_page_awaiting_response(page, 0, V), 0);
    VALUE_IS(int32_t, pmsg_folder_page_overdue(page, 0, V), 0);
    TEXT_IS(pmsg_folder_page_response_due_at(page, 0, S), NULL);
    TEXT_IS(pmsg_folder_page_status(page, 0, S), "open");
    TEXT_IS(pmsg_folder_page_patient_emr_id(page, 0, S), "E100");
    TEXT_IS(pmsg_folder_page_patient_name(page, 0, S), "L\xc3\xa9" "a Roy");
    MUST(pmsg_folder_page_next_cursor(page, &s));
    REQUIRE(s != NULL && strlen(s) < sizeof cursor);
    strcpy(cursor, s); /* copied: the page is freed before the next call */
    pmsg_folder_page_free(page);
    MUST(pmsg_folder_list(store, "account:a-lea", "inbox", cursor, 1, T0 + 4 * MIN_MS, &page));
    TEXT_IS(pmsg_folder_page_conversation(page, 0, S), conv);
    VALUE_IS(int32_t, pmsg_folder_page_awaiting_response(page, 0, V), 1);
    TEXT_IS(pmsg_folder_page_response_due_at(page, 0, S), "2026-03-13T10:00:00-04:00");
    TEXT_IS(pmsg_folder_page_next_cursor(page, S), NULL);
    s = "sentinel";
    REFUSED(pmsg_folder_page_subject(page, 1, &s), "index", s == NULL);
    pmsg_folder_page_free(page);
    EXPECT(pmsg_folder_list(store, "account:a-lea", "sent", NULL, 0, T0, &page),
           PMSG_INVALID_ARGUMENT);
    CHECK(page == NULL);

    /* Search: where a message, and a confidential one, would go (R-R1, R-CF4). */
    MUST(pmsg_patients_search(store, "roy", T0, &matches));
    VALUE_IS(size_t, pmsg_matches_count(matches, V), 2);
    for (i = 0; i < 2; i++) {
        int adult;
        MUST(pmsg_matches_emr_id(matches, i, &s));
        adult = same(s, "E100");
        TEXT_IS(pmsg_matches_first_name(matches, i, S), adult ? "L\xc3\xa9" "a" : "Noah");
        TEXT_IS(pmsg_matches_last_name(matches, i, S), "Roy");
        TEXT_IS(pmsg_matches_date_of_birth(matches, i, S), adult ? "1980-01-31" : "2015-06-10");
        VALUE_IS(size_t, pmsg_matches_deliver_to_count(matches, i, V), 1);
        TEXT_IS(pmsg_matches_deliver_to(matches, i, 0, S),
                adult ? "account:a-lea" : "account:a-marc");
        TEXT_IS(pmsg_matches_unreachable_reason(matches, i, S), NULL);
        VALUE_IS(size_t, pmsg_matches_confidential_deliver_to_count(matches, i, V), adult ? 1 : 0);
        if (adult) TEXT_IS(pmsg_matches_confidential_deliver_to(matches, i, 0, S), "account:a-lea");
        s = "sentinel";
        REFUSED(pmsg_matches_deliver_to(matches, i, 1, &s), "party", s == NULL);
    }
    pmsg_matches_free(matches);

    /* Purge: a download starts retention (7 days); then the purge report. */
    MUST(pmsg_download(store, "account:a-lea", conv, att, T0, &bytes, &len));
    pmsg_bytes_free(bytes, len);
    MUST(pmsg_attachments_purge(store, T0 + DAY_MS, &purged));
    VALUE_IS(size_t, pmsg_purged_count(purged, V), 0);
    pmsg_purged_free(purged);
    MUST(pmsg_attachments_purge(store, T0 + 8 * DAY_MS, &purged));
    VALUE_IS(size_t, pmsg_purged_count(purged, V), 1);
    TEXT_IS(pmsg_purged_conversation(purged, 0, S), conv);
    TEXT_IS(pmsg_purged_attachment(purged, 0, S), att);
    TEXT_IS(pmsg_purged_name(purged, 0, S), "lab.txt");
    OK(pmsg_purged_message(purged, 0, &s));
    CHECK(s != NULL);
    pmsg_purged_free(purged);
    MUST(pmsg_conversation_view(store, "staff:s-dr", conv, T0 + 8 * DAY_MS, &view));
    VALUE_IS(int32_t, pmsg_view_attachment_purged(view, 0, 0, V), 1);
    OK(pmsg_view_attachment_purged_at(view, 0, 0, &s));
    CHECK(s != NULL);
    VALUE_IS(uint64_t, pmsg_view_attachment_size(view, 0, 0, V), 10);
    pmsg_view_free(view);

    /* Billing: the fee code as billed (trimmed, upper-cased), and its total. */
    MUST(pmsg_billing_report(store, "2026-03", &billing));
    TEXT_IS(pmsg_billing_cycle(billing, S), "2026-03");
    VALUE_IS(size_t, pmsg_billing_entry_count(billing, V), 1);
    TEXT_IS(pmsg_billing_entry_fee_code(billing, 0, S), "A1");
    TEXT_IS(pmsg_billing_entry_author(billing, 0, S), "s-dr");
    TEXT_IS(pmsg_billing_entry_patient(billing, 0, S), "E100");
    TEXT_IS(pmsg_billing_entry_conversation(billing, 0, S), conv);
    TEXT_IS(pmsg_billing_entry_sent_at(billing, 0, S), "2026-03-10T10:00:00-04:00");
    OK(pmsg_billing_entry_message(billing, 0, &s));
    CHECK(s != NULL);
    VALUE_IS(size_t, pmsg_billing_total_count(billing, V), 1);
    TEXT_IS(pmsg_billing_total_author(billing, 0, S), "s-dr");
    TEXT_IS(pmsg_billing_total_fee_code(billing, 0, S), "A1");
    VALUE_IS(uint64_t, pmsg_billing_total_entries(billing, 0, V), 1);
    s = "sentinel";
    REFUSED(pmsg_billing_total_author(billing, 1, &s), "index", s == NULL);
    pmsg_billing_free(billing);
    EXPECT(pmsg_billing_report(store, "2026-W10", &billing), PMSG_INVALID_ARGUMENT);
    CHECK(billing == NULL);

    /* A group's report (R-G5). */
    MUST(pmsg_send_group_json(store,
                              "{\"author\": \"s-dr\", \"patients\": [\"E100\", \"E999\"],"
                              " \"from\": \"direct\", \"subject\": \"Flu clinic\", \"body\":"
                              " \"Saturday.\"}",
                              T0, &json));
    REQUIRE(string_after(json, "\"group_id\":\"", id, sizeof id) != NULL);
    pmsg_string_free(json);
    MUST(pmsg_group_report(store, "staff:s-dr", id, T0 + MIN_MS, &progress));
    TEXT_IS(pmsg_group_progress_group_id(progress, S), id);
    VALUE_IS(size_t, pmsg_group_progress_count(progress, V), 2);
    TEXT_IS(pmsg_group_progress_emr_id(progress, 0, S), "E100");
    TEXT_IS(pmsg_group_progress_skipped(progress, 0, S), NULL);
    OK(pmsg_group_progress_conversation(progress, 0, &s));
    CHECK(s != NULL);
    VALUE_IS(int32_t, pmsg_group_progress_read(progress, 0, V), 0);
    VALUE_IS(int32_t, pmsg_group_progress_replied(progress, 0, V), 0);
    VALUE_IS(int32_t, pmsg_group_progress_awaiting_response(progress, 0, V), 0);
    VALUE_IS(int32_t, pmsg_group_progress_overdue(progress, 0, V), 0);
    TEXT_IS(pmsg_group_progress_emr_id(progress, 1, S), "E999");
    TEXT_IS(pmsg_group_progress_skipped(progress, 1, S), "unknown_patient");
    TEXT_IS(pmsg_group_progress_conversation(progress, 1, S), NULL);
    flag = 7;
    REFUSED(pmsg_group_progress_read(progress, 2, &flag), "index", flag == 0);
    pmsg_group_progress_free(progress);
    EXPECT(pmsg_group_report(store, "account:a-lea", id, T0, &progress), PMSG_NOT_AUTHORIZED);
    CHECK(progress == NULL);

    pmsg_close(store);
}

static const char NOT_UTF8[] = "caf\xe9"; /* Latin-1, not UTF-8 */

/* The setter returns `want`, naming `name` in its message. */
#define SETTER_REFUSES(call, want, name)                            \
    do {                                                            \
        if (EXPECT(call, want)) EXPECT_MESSAGE("`" name "`");       \
    } while (0)

static void requests(void) {
    pmsg_store *store = NULL;
    pmsg_send_request *req = NULL, *reply = NULL, *group = NULL;
    pmsg_outcome *out = NULL;
    pmsg_group_outcome *sent = NULL;
    pmsg_view *view = NULL;
    pmsg_billing *billing = NULL;
    pmsg_events *events = NULL;
    static const uint8_t PDF[] = {'%', 'P', 'D', 'F', 0, 1, 2};
    char conv[128], other[128], att[128];
    const char *s = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0, i;

    MUST(pmsg_open_in_memory(CONFIG, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));

    /* Every option of SPEC section 4, through its setter. */
    MUST(pmsg_send_request_new(&req));
    MUST(pmsg_send_request_set_author(req, "s-dr"));
    MUST(pmsg_send_request_set_patient(req, "e100")); /* EMR IDs fold case (section 15) */
    MUST(pmsg_send_request_set_from_workgroup(req, "w-front"));
    MUST(pmsg_send_request_set_subject(req, "Lab results"));
    MUST(pmsg_send_request_set_body(req, "negative\", \"patient\": \"E200")); /* just text */
    MUST(pmsg_send_request_add_attachment(req, "lab.pdf", "application/pdf", PDF, sizeof PDF));
    MUST(pmsg_send_request_add_attachment(req, "empty.txt", "text/plain", NULL, 0));
    MUST(pmsg_send_request_set_unread_notify(req, 2, PMSG_UNIT_DAYS));
    MUST(pmsg_send_request_set_response(req, PMSG_RESPONSE_REQUIRED, 3));
    MUST(pmsg_send_request_set_allow_reply_attachments(req, 1));
    MUST(pmsg_send_request_set_mask_name(req, 1));
    MUST(pmsg_send_request_set_fee_code(req, " k738 "));
    MUST(pmsg_send_request_set_file_to_chart(req, 1));
    MUST(pmsg_send_request_set_confidential(req, 0));
    MUST(pmsg_conversation_send(store, req, T0, &out));
    TEXT_IS(pmsg_outcome_delivered_to(out, 0, S), "account:a-lea");
    TEXT_IS(pmsg_outcome_status(out, S), "open");
    OK(pmsg_outcome_chart_text(out, &s));
    CHECK(CONTAINS(s, "Lab results") && CONTAINS(s, "masked"));
    MUST(pmsg_outcome_conversation_id(out, &s));
    strcpy(conv, s);
    MUST(pmsg_outcome_attachment_id(out, 0, &s));
    strcpy(att, s);
    pmsg_outcome_free(out);

    /* What the send did: the body went to E100 as text, masked, with its files. */
    MUST(pmsg_conversation_view(store, "account:a-lea", conv, T0, &view));
    TEXT_IS(pmsg_view_patient_emr_id(view, S), "E100");
    TEXT_IS(pmsg_view_message_body(view, 0, S), "negative\", \"patient\": \"E200");
    TEXT_IS(pmsg_view_message_sender(view, 0, S), "Clinic Staff");
    TEXT_IS(pmsg_view_response_due_at(view, S), "2026-03-13T10:00:00-04:00");
    VALUE_IS(size_t, pmsg_view_attachment_count(view, 0, V), 2);
    VALUE_IS(uint64_t, pmsg_view_attachment_size(view, 0, 0, V), sizeof PDF);
    VALUE_IS(uint64_t, pmsg_view_attachment_size(view, 0, 1, V), 0);
    TEXT_IS(pmsg_view_attachment_media_type(view, 0, 0, S), "application/pdf");
    pmsg_view_free(view);
    MUST(pmsg_download(store, "account:a-lea", conv, att, T0, &bytes, &len));
    CHECK(len == sizeof PDF && memcmp(bytes, PDF, len) == 0); /* bytes with a NUL inside */
    pmsg_bytes_free(bytes, len);
    MUST(pmsg_billing_report(store, "2026-03", &billing));
    TEXT_IS(pmsg_billing_entry_fee_code(billing, 0, S), "K738");
    pmsg_billing_free(billing);
    /* R-D3: the unread reminder 2 days later, to the from-workgroup. */
    MUST(pmsg_events_due(store, T0 + 2 * DAY_MS, -1, &events));
    {
        size_t n = 0;
        int reminded = 0;
        OK(pmsg_events_count(events, &n));
        for (i = 0; i < n; i++) {
            const char *kind = NULL, *to = NULL;
            OK(pmsg_events_kind(events, i, &kind));
            OK(pmsg_events_to(events, i, &to));
            reminded |= same(kind, "unread_reminder") && same(to, "workgroup:w-front");
        }
        CHECK(reminded);
    }
    pmsg_events_free(events);

    /* A request is only read by a send: the same one sends again. */
    MUST(pmsg_send_request_set_file_to_chart(req, 0));
    MUST(pmsg_conversation_send(store, req, T0 + MIN_MS, &out));
    MUST(pmsg_outcome_conversation_id(out, &s));
    strcpy(other, s);
    CHECK(strcmp(conv, other) != 0);
    TEXT_IS(pmsg_outcome_chart_text(out, S), NULL);
    pmsg_outcome_free(out);

    /* The setters' own errors, each naming its argument, with the rule's code. */
    SETTER_REFUSES(pmsg_send_request_set_subject(NULL, "x"), PMSG_INVALID_ARGUMENT, "request");
    SETTER_REFUSES(pmsg_send_request_set_author(req, NULL), PMSG_INVALID_ARGUMENT, "author");
    SETTER_REFUSES(pmsg_send_request_set_body(req, NOT_UTF8), PMSG_INVALID_ARGUMENT, "body");
    EXPECT_MESSAGE("UTF-8");
    SETTER_REFUSES(pmsg_send_request_set_from_workgroup(req, ""), PMSG_INVALID_ARGUMENT,
                   "workgroup");
    SETTER_REFUSES(pmsg_send_request_set_unread_notify(req, 2, 3), PMSG_INVALID_NOTIFY_INTERVAL,
                   "unit");
    SETTER_REFUSES(pmsg_send_request_set_response(req, 7, 0), PMSG_INVALID_OPTIONS, "response");
    SETTER_REFUSES(pmsg_send_request_set_response(req, PMSG_RESPONSE_ALLOWED, 3),
                   PMSG_INVALID_OPTIONS, "required_days");
    SETTER_REFUSES(pmsg_send_request_set_mask_name(req, 2), PMSG_INVALID_OPTIONS, "mask_name");
    SETTER_REFUSES(pmsg_send_request_set_confidential(req, -1), PMSG_INVALID_OPTIONS,
                   "confidential");
    SETTER_REFUSES(pmsg_send_request_add_attachment(req, "a.pdf", NULL, PDF, 1),
                   PMSG_INVALID_ARGUMENT, "media_type");
    SETTER_REFUSES(pmsg_send_request_add_attachment(req, "a.pdf", "application/pdf", NULL, 4),
                   PMSG_INVALID_ARGUMENT, "bytes");
    SETTER_REFUSES(pmsg_send_request_new(NULL), PMSG_INVALID_ARGUMENT, "out");
    pmsg_send_request_free(req);
    pmsg_send_request_free(NULL);

    /* A host that ignores a setter's failure: the send fails with it, at its
     * field's place in R-S2's order, and sends nothing. */
    MUST(pmsg_send_request_new(&req));
    MUST(pmsg_send_request_set_author(req, "s-dr"));
    MUST(pmsg_send_request_set_patient(req, "E100"));
    MUST(pmsg_send_request_set_from_direct(req));
    MUST(pmsg_send_request_set_subject(req, "Hello"));
    MUST(pmsg_send_request_set_body(req, "Text"));
    pmsg_send_request_set_mask_name(req, 5); /* status ignored */
    out = (pmsg_outcome *)&failures;
    EXPECT(pmsg_conversation_send(store, req, T0, &out), PMSG_INVALID_OPTIONS);
    EXPECT_MESSAGE("`mask_name` = 5");
    CHECK(out == NULL);
    pmsg_send_request_set_subject(req, NULL); /* an earlier field fails first */
    EXPECT(pmsg_conversation_send(store, req, T0, &out), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`subject`");
    MUST(pmsg_send_request_set_subject(req, "")); /* set again: the rule's own verdict */
    EXPECT(pmsg_conversation_send(store, req, T0, &out), PMSG_INVALID_SUBJECT);
    MUST(pmsg_send_request_set_subject(req, "Hello"));
    MUST(pmsg_send_request_set_mask_name(req, 0)); /* set again: the mark is gone */
    MUST(pmsg_conversation_send(store, req, T0, &out));
    pmsg_outcome_free(out);
    /* Fields the operation does not take, and fields it needs. */
    MUST(pmsg_send_request_set_by(req, "staff:s-dr"));
    EXPECT(pmsg_conversation_send(store, req, T0, &out), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`by`, which pmsg_conversation_send does not take");
    EXPECT(pmsg_group_send(store, req, T0, &sent), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`patient`, which pmsg_group_send does not take");
    CHECK(sent == NULL);
    pmsg_send_request_free(req);
    MUST(pmsg_send_request_new(&req));
    EXPECT(pmsg_conversation_send(store, req, T0, &out), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("no author");
    EXPECT(pmsg_conversation_send(store, NULL, T0, &out), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`request`");
    pmsg_send_request_free(req);

    /* Replies: the patient side; staff with options; confidential is refused (R-CF1). */
    MUST(pmsg_send_request_new(&reply));
    MUST(pmsg_send_request_set_by(reply, "account:a-lea"));
    MUST(pmsg_send_request_set_conversation(reply, conv));
    MUST(pmsg_send_request_set_body(reply, "Thank you."));
    MUST(pmsg_send_request_add_attachment(reply, "photo.txt", "text/plain", PDF, 3));
    MUST(pmsg_conversation_reply(store, reply, T0 + DAY_MS, &out));
    TEXT_IS(pmsg_outcome_delivered_to(out, 0, S), "workgroup:w-front");
    pmsg_outcome_free(out);
    pmsg_send_request_free(reply);
    MUST(pmsg_send_request_new(&reply));
    MUST(pmsg_send_request_set_by(reply, "staff:s-nurse"));
    MUST(pmsg_send_request_set_conversation(reply, conv));
    MUST(pmsg_send_request_set_body(reply, "Noted."));
    MUST(pmsg_send_request_set_confidential(reply, 0));
    EXPECT(pmsg_conversation_reply(store, reply, T0 + DAY_MS, &out), PMSG_INVALID_OPTIONS);
    EXPECT_MESSAGE("R-CF1");
    MUST(pmsg_send_request_set_subject(reply, "Re"));
    EXPECT(pmsg_conversation_reply(store, reply, T0 + DAY_MS, &out), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`subject`, which pmsg_conversation_reply does not take");
    pmsg_send_request_free(reply);
    MUST(pmsg_send_request_new(&reply));
    MUST(pmsg_send_request_set_by(reply, "staff:s-nurse"));
    MUST(pmsg_send_request_set_conversation(reply, conv));
    MUST(pmsg_send_request_set_body(reply, "Noted."));
    MUST(pmsg_send_request_set_response(reply, PMSG_RESPONSE_CLOSED, 0));
    MUST(pmsg_conversation_reply(store, reply, T0 + DAY_MS, &out));
    TEXT_IS(pmsg_outcome_status(out, S), "closed"); /* R-S4 */
    pmsg_outcome_free(out);
    pmsg_send_request_free(reply);

    /* A group send: one conversation per patient, repeats dropped, unknowns skipped. */
    MUST(pmsg_send_request_new(&group));
    MUST(pmsg_send_request_set_author(group, "s-dr"));
    MUST(pmsg_send_request_add_patient(group, "E100"));
    MUST(pmsg_send_request_add_patient(group, "E999"));
    MUST(pmsg_send_request_add_patient(group, "E200"));
    MUST(pmsg_send_request_add_patient(group, "e100"));
    MUST(pmsg_send_request_set_from_workgroup(group, "w-front"));
    MUST(pmsg_send_request_set_subject(group, "Flu clinic"));
    MUST(pmsg_send_request_set_body(group, "Saturday 9 to 12."));
    MUST(pmsg_send_request_add_attachment(group, "flu.txt", "text/plain", PDF, 2));
    MUST(pmsg_group_send(store, group, T0, &sent));
    OK(pmsg_group_outcome_group_id(sent, &s));
    CHECK(s != NULL && strlen(s) > 0);
    VALUE_IS(size_t, pmsg_group_outcome_count(sent, V), 3);
    TEXT_IS(pmsg_group_outcome_emr_id(sent, 0, S), "E100");
    TEXT_IS(pmsg_group_outcome_skipped(sent, 0, S), NULL);
    TEXT_IS(pmsg_group_outcome_status(sent, 0, S), "open");
    VALUE_IS(size_t, pmsg_group_outcome_delivered_to_count(sent, 0, V), 1);
    TEXT_IS(pmsg_group_outcome_delivered_to(sent, 0, 0, S), "account:a-lea");
    TEXT_IS(pmsg_group_outcome_delivered_to(sent, 2, 0, S), "account:a-marc");
    VALUE_IS(size_t, pmsg_group_outcome_attachment_count(sent, 0, V), 1);
    TEXT_IS(pmsg_group_outcome_attachment_name(sent, 0, 0, S), "flu.txt");
    OK(pmsg_group_outcome_attachment_id(sent, 0, 0, &s));
    CHECK(s != NULL);
    OK(pmsg_group_outcome_message_id(sent, 0, &s));
    CHECK(s != NULL);
    TEXT_IS(pmsg_group_outcome_emr_id(sent, 1, S), "E999");
    TEXT_IS(pmsg_group_outcome_skipped(sent, 1, S), "unknown_patient");
    TEXT_IS(pmsg_group_outcome_conversation_id(sent, 1, S), NULL);
    TEXT_IS(pmsg_group_outcome_status(sent, 1, S), NULL);
    VALUE_IS(size_t, pmsg_group_outcome_attachment_count(sent, 1, V), 0);
    s = "sentinel";
    REFUSED(pmsg_group_outcome_attachment_id(sent, 0, 1, &s), "attachment", s == NULL);
    REFUSED(pmsg_group_outcome_emr_id(sent, 3, &s), "index", s == NULL);
    REFUSED(pmsg_group_outcome_emr_id(NULL, 0, &s), "outcome", s == NULL);
    pmsg_group_outcome_free(sent);
    pmsg_group_outcome_free(NULL);
    /* R-G1: no chart filing in a group; a bad patient entry fails at the list's place. */
    MUST(pmsg_send_request_set_file_to_chart(group, 1));
    sent = (pmsg_group_outcome *)&failures;
    EXPECT(pmsg_group_send(store, group, T0, &sent), PMSG_INVALID_OPTIONS);
    CHECK(sent == NULL);
    MUST(pmsg_send_request_set_file_to_chart(group, 0));
    EXPECT(pmsg_send_request_add_patient(group, NULL), PMSG_INVALID_ARGUMENT);
    EXPECT(pmsg_group_send(store, group, T0, &sent), PMSG_INVALID_ARGUMENT);
    EXPECT_MESSAGE("`patient`");
    pmsg_send_request_free(group);

    pmsg_close(store);
}

int main(void) {
    requests();
    results();
    return finish("typed");
}
