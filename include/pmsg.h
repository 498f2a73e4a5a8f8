/*
 * pmsg.h: the C interface of libpmsg, the embeddable core of a patient
 * portal's secure messaging (SPEC.md). Licensed under Apache-2.0.
 *
 * CONVENTIONS (every function follows them; the comments below add only
 * what is particular to each):
 *
 * Status. A fallible function returns a pmsg_status: PMSG_OK (0) or one
 * value per SPEC section 13 error code. The values never change. After a
 * failure, pmsg_last_error_message() gives a message naming the offending
 * argument or value and the rule, valid until the next pmsg call on the
 * same thread; pmsg_status_name() gives the code ("unknown_patient").
 * Only the _free functions, pmsg_close, pmsg_status_name, pmsg_version
 * and pmsg_last_error_message return something else: they cannot fail.
 *
 * Arguments. A NULL pointer, a string that is not UTF-8 or a number out
 * of range is PMSG_INVALID_ARGUMENT, with the argument's name in the
 * message; pmsg never crashes on it. Only the arguments documented as
 * "NULL for ..." may be NULL. Strings are NUL-terminated UTF-8, read
 * during the call only. Parties are "staff:ID" or "account:ID".
 *
 * Results go through out-pointers (out, out_bytes, out_len). A failed
 * call leaves them NULL (or 0), so freeing them is always safe.
 *
 * Ownership. Whatever pmsg allocates for the caller has a _free
 * function: char * with pmsg_string_free, uint8_t * with
 * pmsg_bytes_free, a result handle with its own (pmsg_outcome_free,
 * pmsg_events_free, pmsg_view_free, ...), pmsg_store * with pmsg_close.
 * Each accepts NULL and then does nothing. A const char * result is
 * borrowed: from its handle (until that handle's _free) or static.
 *
 * Typed results. Each operation that returns records has a typed form
 * (pmsg_events_due, pmsg_conversation_view, pmsg_folder_list, ...) whose
 * result is an opaque handle read with accessors, in the manner of
 * sqlite3_column_*: pmsg_<handle>_count, then one accessor per field,
 * pmsg_<handle>_<field>(handle, index, &out); a nested list takes a
 * second index. A string is lent as a const char * valid until the
 * handle is freed (NULL where the JSON form shows null); a flag is an
 * int32_t, 1 or 0; a count is a size_t. A NULL handle or out-pointer, or
 * an index not below its count, is PMSG_INVALID_ARGUMENT naming the
 * argument. A handle never changes: any number of threads may read it at
 * once (free it once, after the last read). The *_json functions give
 * the same records as JSON text.
 *
 * Time. pmsg never reads the clock: every operation that depends on time
 * takes now_ms, milliseconds since the Unix epoch (UTC), as int64_t.
 * Instants inside JSON results are clinic-local RFC 3339 strings with
 * offset, e.g. "2026-03-10T09:00:00-04:00" (R-T1).
 *
 * Typed requests. A send, a reply or a group send is built with setters
 * on a pmsg_send_request (pmsg_send_request_set_subject, ..._add_patient)
 * and passed to pmsg_conversation_send, pmsg_conversation_reply or
 * pmsg_group_send: no JSON to write, so no text of the host's can become a
 * key. A setter checks what C can get wrong (NULL, UTF-8, a value outside
 * an enum, a flag other than 0 or 1) and says so at once, naming the
 * argument; it also marks the field, so that a send of the request fails
 * with that error at the field's place in R-S2's order even if the host
 * ignored it. The rules are checked at send, with the verdicts of the
 * JSON functions for the same request.
 *
 * JSON. The *_json functions take requests and the directory as JSON
 * objects (the scenario format of tests/conformance) and give records as
 * JSON text of the documented shape; within a major version keys are only
 * ever added: ignore keys you do not know.
 *
 * Threads. A pmsg_store may be used by any number of threads at once
 * (every call is one transaction); several handles and processes may open
 * one file. Error messages are per thread. Outcomes are read-only.
 *
 * Panics. A bug inside pmsg that panics is caught at the boundary and
 * returned as PMSG_INTERNAL; it never unwinds into the caller. (This needs
 * the default panic = "unwind"; a build with panic = "abort" aborts.)
 *
 * Language. This header is C89/C90 and C++98/03 as well as C99 or later
 * and C++11 or later (checked as C89, C99, C++98, C++11 and C++17 with
 * -pedantic -Werror). It includes <stddef.h> and <stdint.h>; a C89
 * compiler without <stdint.h> needs one that defines int32_t, int64_t,
 * uint8_t and uint32_t. pmsg_status is int32_t in C (an enum of base
 * int32_t in C23 and C++11; in C++98 a plain enum, which has the size and
 * calling convention of int32_t on every ABI pmsg supports).
 *
 * Linking. The installed libpmsg.a (packaging/) and libpmsg.so define no
 * C symbol but the pmsg_* functions below: the SQLite and the Rust runtime
 * inside are private, so a host may link its own SQLite (or another Rust
 * library) beside libpmsg and each keeps its own. A static host adds
 * -lm -ldl -lpthread.
 */

#ifndef PMSG_H
#define PMSG_H

/* Generated with cbindgen:0.29.4 */

/* Generated by cbindgen from ffi/src (ffi/gen-header.sh). Do not edit by hand. */

#include <stddef.h>
#include <stdint.h>

/* The version of this header. pmsg_version() gives the library's. */
#define PMSG_VERSION_MAJOR 0
#define PMSG_VERSION_MINOR 1
#define PMSG_VERSION_PATCH 0
#define PMSG_VERSION_STRING "0.1.0"
/* MAJOR * 1000000 + MINOR * 1000 + PATCH, for #if comparisons. */
#define PMSG_VERSION_NUMBER \
    (PMSG_VERSION_MAJOR * 1000000 + PMSG_VERSION_MINOR * 1000 + PMSG_VERSION_PATCH)

/**
 * The result of every fallible pmsg function: `PMSG_OK` (0) or one value
 * per SPEC section 13 error code, in the SPEC's order.
 *
 * These values are ABI and never change: a code that is retired keeps its
 * number, and a new code takes the next free number (`PMSG_UNKNOWN_GROUP`
 * took 29, after `PMSG_INTERNAL`; the next is 30). The type is a 32-bit
 * signed integer in C (`int32_t`), so a host may store and compare it
 * freely; `pmsg_status_name()` names any value, even an unknown
 * one. After a failure, `pmsg_last_error_message()` says what was wrong.
 */
enum pmsg_status
#if (defined(__cplusplus) && __cplusplus >= 201103L) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
  : int32_t
#endif  /* (defined(__cplusplus) && __cplusplus >= 201103L) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L) */
 {
    /**
     * Success.
     */
    PMSG_OK = 0,
    /**
     * `unknown_patient`: no patient with this EMR ID (R-R4).
     */
    PMSG_UNKNOWN_PATIENT = 1,
    /**
     * `recipient_not_reachable`: routing found no registered account (R-R4).
     */
    PMSG_RECIPIENT_NOT_REACHABLE = 2,
    /**
     * `not_workgroup_member`: `from` names a workgroup the author is not in (R-S1).
     */
    PMSG_NOT_WORKGROUP_MEMBER = 3,
    /**
     * `direct_not_accepted`: `from = direct` by staff who take no direct messages (R-S1).
     */
    PMSG_DIRECT_NOT_ACCEPTED = 4,
    /**
     * `invalid_subject` (R-S2).
     */
    PMSG_INVALID_SUBJECT = 5,
    /**
     * `invalid_body` (R-S2).
     */
    PMSG_INVALID_BODY = 6,
    /**
     * `invalid_notify_interval` (R-S2, R-D3).
     */
    PMSG_INVALID_NOTIFY_INTERVAL = 7,
    /**
     * `invalid_response_deadline` (R-S2, R-D2).
     */
    PMSG_INVALID_RESPONSE_DEADLINE = 8,
    /**
     * `invalid_options` (R-S2).
     */
    PMSG_INVALID_OPTIONS = 9,
    /**
     * `attachment_too_large` (R-S2).
     */
    PMSG_ATTACHMENT_TOO_LARGE = 10,
    /**
     * `attachment_type_not_allowed` (R-S2).
     */
    PMSG_ATTACHMENT_TYPE_NOT_ALLOWED = 11,
    /**
     * `too_many_attachments` (R-S2).
     */
    PMSG_TOO_MANY_ATTACHMENTS = 12,
    /**
     * `invalid_fee_code` (R-S2, R-B1).
     */
    PMSG_INVALID_FEE_CODE = 13,
    /**
     * `unknown_conversation`.
     */
    PMSG_UNKNOWN_CONVERSATION = 14,
    /**
     * `unknown_attachment` (R-D6).
     */
    PMSG_UNKNOWN_ATTACHMENT = 15,
    /**
     * `unknown_event` (R-D5).
     */
    PMSG_UNKNOWN_EVENT = 16,
    /**
     * `unknown_staff`.
     */
    PMSG_UNKNOWN_STAFF = 17,
    /**
     * `unknown_account`.
     */
    PMSG_UNKNOWN_ACCOUNT = 18,
    /**
     * `unknown_workgroup` (R-S1).
     */
    PMSG_UNKNOWN_WORKGROUP = 19,
    /**
     * `not_authorized`: access refused, and the refusal audited (R-A1).
     */
    PMSG_NOT_AUTHORIZED = 20,
    /**
     * `conversation_closed` (R-S4, R-M4).
     */
    PMSG_CONVERSATION_CLOSED = 21,
    /**
     * `attachments_not_allowed` (R-M2).
     */
    PMSG_ATTACHMENTS_NOT_ALLOWED = 22,
    /**
     * `attachment_expired`: purged after its retention period (R-D6).
     */
    PMSG_ATTACHMENT_EXPIRED = 23,
    /**
     * `invalid_argument`: a NULL pointer, a string that is not UTF-8, a
     * number out of range, malformed JSON, or a malformed party, cursor,
     * query, format or cycle id.
     */
    PMSG_INVALID_ARGUMENT = 24,
    /**
     * `invalid_config`: the configuration JSON is malformed or refused (section 14).
     */
    PMSG_INVALID_CONFIG = 25,
    /**
     * `schema_too_new`: the database file was written by a newer pmsg (R-ST1).
     */
    PMSG_SCHEMA_TOO_NEW = 26,
    /**
     * `storage`: the database could not be opened, read or written (R-ST1).
     */
    PMSG_STORAGE = 27,
    /**
     * `internal`: a bug in pmsg (a Rust panic is caught and reported as this).
     */
    PMSG_INTERNAL = 28,
    /**
     * `unknown_group`: no group send with this id (R-G5).
     */
    PMSG_UNKNOWN_GROUP = 29
};
#ifndef __cplusplus
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
typedef enum pmsg_status pmsg_status;
#else
typedef int32_t pmsg_status;
#endif  /* (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L) */
#endif  /* __cplusplus */

/**
 * The `response` argument of `pmsg_send_request_set_response` (SPEC
 * section 4). It is passed as an `int32_t`, so that a value the host read
 * from its own configuration is checked: one that is none of these is
 * refused. 0 is none of them, so a zeroed variable is refused too.
 */
enum pmsg_response
#if (defined(__cplusplus) && __cplusplus >= 201103L) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
  : int32_t
#endif  /* (defined(__cplusplus) && __cplusplus >= 201103L) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L) */
 {
    /**
     * No reply possible: the conversation closes once sent (R-S4).
     */
    PMSG_RESPONSE_CLOSED = 1,
    /**
     * A reply may come (the default).
     */
    PMSG_RESPONSE_ALLOWED = 2,
    /**
     * A reply is required within `required_days` days (R-D2).
     */
    PMSG_RESPONSE_REQUIRED = 3
};
#ifndef __cplusplus
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
typedef enum pmsg_response pmsg_response;
#else
typedef int32_t pmsg_response;
#endif  /* (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L) */
#endif  /* __cplusplus */

/**
 * The `unit` argument of `pmsg_send_request_set_unread_notify`, passed as
 * an `int32_t` (0 is none of them).
 */
enum pmsg_unit
#if (defined(__cplusplus) && __cplusplus >= 201103L) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
  : int32_t
#endif  /* (defined(__cplusplus) && __cplusplus >= 201103L) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L) */
 {
    /**
     * Calendar days in the clinic's zone (R-T3).
     */
    PMSG_UNIT_DAYS = 1,
    /**
     * Weeks of 7 calendar days (R-T3).
     */
    PMSG_UNIT_WEEKS = 2
};
#ifndef __cplusplus
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L)
typedef enum pmsg_unit pmsg_unit;
#else
typedef int32_t pmsg_unit;
#endif  /* (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 202311L) */
#endif  /* __cplusplus */

/**
 * A billing cycle's report (R-B3): the result of `pmsg_billing_report`.
 * Opaque: read it with the `pmsg_billing_*` accessors (the cycle, the
 * entries in sent order, the totals by author then fee code), free it
 * with `pmsg_billing_free`. Read-only.
 */
typedef struct pmsg_billing pmsg_billing;

/**
 * Events for the host to deliver: the result of `pmsg_events_due` or
 * `pmsg_events_claim`. Opaque: read it with the `pmsg_events_*`
 * accessors (the count, then each field of each event by index), free it
 * with `pmsg_events_free`. Read-only, so any number of threads may read
 * one at once.
 */
typedef struct pmsg_events pmsg_events;

/**
 * One page of a folder: the result of `pmsg_folder_list`. Opaque: read it
 * with the `pmsg_folder_page_*` accessors (entries by index, newest
 * activity first, and the next page's cursor), free it with
 * `pmsg_folder_page_free`. Read-only.
 */
typedef struct pmsg_folder_page pmsg_folder_page;

/**
 * What a group send did: the result of `pmsg_group_send`. Opaque: read it
 * with the `pmsg_group_outcome_*` accessors (the group id, then one entry
 * per patient of the list, repeats dropped, in order: sent, with its
 * conversation, or skipped, with its code), free it with
 * `pmsg_group_outcome_free`. Read-only.
 */
typedef struct pmsg_group_outcome pmsg_group_outcome;

/**
 * A group send's report (R-G5): the result of `pmsg_group_report`.
 * Opaque: read it with the `pmsg_group_progress_*` accessors (one entry
 * per patient, in list order), free it with `pmsg_group_progress_free`.
 * Read-only.
 */
typedef struct pmsg_group_progress pmsg_group_progress;

/**
 * The patients a search found: the result of `pmsg_patients_search`.
 * Opaque: read it with the `pmsg_matches_*` accessors, free it with
 * `pmsg_matches_free`. Read-only.
 */
typedef struct pmsg_matches pmsg_matches;

/**
 * The result of a successful `pmsg_send_json` or `pmsg_reply_json`: the
 * conversation and message ids, the recipients, the conversation's status,
 * the new message's attachments and, with `file_to_chart`, the chart
 * documents. Opaque: read it with the `pmsg_outcome_*` accessors, free it
 * with `pmsg_outcome_free`.
 */
typedef struct pmsg_outcome pmsg_outcome;

/**
 * What a purge deleted: the result of `pmsg_attachments_purge`. Opaque:
 * read it with the `pmsg_purged_*` accessors, free it with
 * `pmsg_purged_free`. Read-only.
 */
typedef struct pmsg_purged pmsg_purged;

/**
 * A message to send, built with the `pmsg_send_request_*` setters: the
 * first message of a new conversation (`pmsg_conversation_send`: author,
 * patient), a reply (`pmsg_conversation_reply`: by, conversation), or one
 * composition to many patients (`pmsg_group_send`: author, patients),
 * with the options of SPEC section 4. Create it with
 * `pmsg_send_request_new`, free it with `pmsg_send_request_free`.
 *
 * A field not set takes the SPEC default, as a key left out of a JSON
 * request. Setting a field again replaces it (and clears a failed
 * setter's mark); `_add_` functions append. Sending reads the request and
 * leaves it as it was: it may be sent again, changed in between.
 * Setters change it, so one thread at a time may use it.
 */
typedef struct pmsg_send_request pmsg_send_request;

/**
 * A pmsg store: one database (a file, or private memory) holding the
 * directory, conversations, events, billing and audit (R-ST1).
 *
 * Thread-safe: one handle may be used by any number of threads at once
 * (R-ST2); each call is one transaction, and concurrent calls wait for
 * each other. Several handles, in one process or several, may open the
 * same file. Only `pmsg_close` must not race with other calls on it.
 */
typedef struct pmsg_store pmsg_store;

/**
 * A conversation as one viewer saw it: the result of
 * `pmsg_conversation_view`. Opaque: read it with the `pmsg_view_*`
 * accessors (the conversation's fields; its messages by index, each with
 * its recipients and attachments by index; its assignments by index),
 * free it with `pmsg_view_free`. Read-only, so any number of threads may
 * read one at once.
 */
typedef struct pmsg_view pmsg_view;

#ifdef __cplusplus
extern "C" {
#endif  /* __cplusplus */

/**
 * The version of the linked library, `"MAJOR.MINOR.PATCH"`. Compare it
 * with `PMSG_VERSION_STRING`, the version of the header compiled against.
 *
 * The string is static; never free it. Thread-safe. Never fails and never
 * changes `pmsg_last_error_message()`.
 */
const char *pmsg_version(void);

/**
 * Whether this libpmsg encrypts at rest: 1 when it was built with the
 * cargo feature `encryption` (SQLCipher), so `pmsg_open_encrypted` works;
 * 0 when it was not (that call then fails with `PMSG_STORAGE`).
 *
 * Thread-safe. Never fails and never changes `pmsg_last_error_message()`.
 */
int32_t pmsg_has_encryption(void);

/**
 * The message of the last pmsg call on this thread that failed, naming
 * the offending argument or value and the SPEC rule; `""` when the last
 * call succeeded. Never NULL.
 *
 * The string is owned by pmsg: valid until the next pmsg call on this
 * thread (copy it to keep it); never free it. Thread-safe: each thread has
 * its own message. Never fails. The `_free` functions, `pmsg_close`,
 * `pmsg_status_name`, `pmsg_version` and this function leave the message
 * as it was.
 */
const char *pmsg_last_error_message(void);

/**
 * The name of a status, as a static NUL-terminated string.
 *
 * `PMSG_OK` is `"ok"`; every error status is its SPEC section 13 code, e.g.
 * `PMSG_UNKNOWN_PATIENT` is `"unknown_patient"`. A value that is not a
 * `pmsg_status` (negative, or above `PMSG_UNKNOWN_GROUP`) is `"unknown"`; the
 * argument is a plain `int32_t` so that any value is safe to pass.
 *
 * Ownership: the string is static; never free it. Thread-safe. Never
 * fails and never changes `pmsg_last_error_message()`.
 */
const char *pmsg_status_name(int32_t status);

/**
 * Opens (creating if needed) the database file at `path` (UTF-8), with
 * the configuration `config_json` (a JSON object of SPEC section 14 keys, e.g.
 * `{"time_zone": "America/New_York"}`; NULL for the defaults). An older
 * schema is migrated (R-ST1). The file uses SQLite's WAL mode, so its
 * `-wal` and `-shm` companions appear beside it.
 *
 * On success `*out` is a new handle: close it with `pmsg_close`.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (`path` or `out` NULL, a
 * string not UTF-8), `PMSG_INVALID_CONFIG` (malformed JSON, an unknown
 * key, a wrong value), `PMSG_SCHEMA_TOO_NEW`, `PMSG_STORAGE` (cannot open
 * or migrate the file). A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_open(const char *path, const char *config_json, struct pmsg_store **out);

/**
 * Opens (creating if needed) an encrypted database file (SQLCipher):
 * every page of the file and its WAL is encrypted with the passphrase
 * `key` (UTF-8, not empty), which must be the same at every open. A libpmsg
 * built without the cargo feature `encryption` refuses this call (see
 * `pmsg_has_encryption`). Otherwise as `pmsg_open`.
 *
 * The key is checked at once: a wrong key, a plain (unencrypted) file or
 * a file that is not a pmsg database fails here with `PMSG_STORAGE`, whose
 * message says the key is wrong. pmsg keeps no copy of `key` beyond the
 * open connection's cipher state; the caller owns and may wipe it after
 * the call.
 *
 * On success `*out` is a new handle: close it with `pmsg_close`.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (`path`, `key` or `out`
 * NULL, a string not UTF-8, an empty key), `PMSG_INVALID_CONFIG`,
 * `PMSG_SCHEMA_TOO_NEW`, `PMSG_STORAGE` (wrong key, no encryption in this
 * build, cannot open or migrate the file). A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_open_encrypted(const char *path,
                                const char *key,
                                const char *config_json,
                                struct pmsg_store **out);

/**
 * Opens a private in-memory store (tests, demos): gone when closed.
 * `config_json` as for `pmsg_open` (NULL for the defaults).
 *
 * On success `*out` is a new handle: close it with `pmsg_close`.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (`out` NULL, a string not
 * UTF-8), `PMSG_INVALID_CONFIG`, `PMSG_STORAGE`. A failed call leaves
 * `*out` NULL.
 */
pmsg_status pmsg_open_in_memory(const char *config_json, struct pmsg_store **out);

/**
 * Closes a store and frees its handle. Everything committed is already
 * durable; closing commits nothing more.
 *
 * Ownership: takes back `store`, which must not be used again by any
 * thread; call it once every other call on the store has returned.
 * Strings, buffers and outcomes obtained from the store stay valid (free
 * them as usual). `pmsg_close(NULL)` does nothing. Never fails.
 */
void pmsg_close(struct pmsg_store *store);

/**
 * Upserts directory records, all or nothing (SPEC sections 2, 15). `json` is an
 * object with any of the lists `accounts` (`{"id", "kind": "patient" |
 * "caregiver", "display_name", "registered": bool}`), `patients`
 * (`{"emr_id", "first_name", "last_name", "date_of_birth": "YYYY-MM-DD",
 * "dependent": bool (optional), "account": id or null (optional)}`),
 * `connections` (`{"caregiver": account id, "patient": EMR ID, "active":
 * bool}`), `staff` (`{"id", "display_name", "accepts_direct": bool}`) and
 * `workgroups` (`{"id", "name", "members": [staff ids]}`): the scenario
 * format of `tests/conformance`. A record replaces the stored one whole.
 *
 * Ownership: `json` is read during the call only; nothing to free.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8, not a
 * JSON object, a malformed record), `PMSG_UNKNOWN_ACCOUNT`,
 * `PMSG_UNKNOWN_PATIENT`, `PMSG_UNKNOWN_STAFF` (a reference to an unknown
 * id), `PMSG_STORAGE`. A failed call changes nothing.
 */
pmsg_status pmsg_directory_upsert_json(const struct pmsg_store *store, const char *json);

/**
 * Sends the first message of a new conversation at `now_ms` (SPEC section 4,
 * R-S1 to R-S5). `request_json` is an object: `author` (staff id), `patient`
 * (EMR ID), `from` (`"direct"` or `"workgroup:ID"`), `subject`, `body`,
 * and optionally `attachments` (a list of `{"name", "media_type", "text"}`
 * where the content is the UTF-8 of `text`), `unread_notify` (`{"count":
 * N, "unit": "days" | "weeks"}`), `response` (`"closed"`, `"allowed"` or
 * `{"required_days": N}`), `allow_reply_attachments`, `mask_name`,
 * `file_to_chart`, `confidential` (booleans) and `billable_fee_code`
 * (string). Keys not given take the SPEC defaults; new options will be
 * new keys. `confidential: true` (SPEC section 18) delivers this and every
 * later staff message of the conversation to the patient's own registered
 * account only, and keeps caregivers out of it for good (R-CF1 to R-CF3).
 *
 * On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
 * not a JSON object, `now_ms` out of range, a malformed `from`), then the
 * first failing check of R-S2: `PMSG_UNKNOWN_STAFF`,
 * `PMSG_UNKNOWN_WORKGROUP`, `PMSG_NOT_WORKGROUP_MEMBER`,
 * `PMSG_DIRECT_NOT_ACCEPTED`, `PMSG_INVALID_OPTIONS` (a `confidential`
 * that is not a boolean, R-CF1), `PMSG_UNKNOWN_PATIENT`,
 * `PMSG_RECIPIENT_NOT_REACHABLE` (also a confidential send to a patient
 * without a registered account of their own, R-CF2), `PMSG_INVALID_SUBJECT`,
 * `PMSG_INVALID_BODY`, `PMSG_TOO_MANY_ATTACHMENTS`,
 * `PMSG_ATTACHMENT_TYPE_NOT_ALLOWED`, `PMSG_ATTACHMENT_TOO_LARGE`,
 * `PMSG_INVALID_NOTIFY_INTERVAL`, `PMSG_INVALID_RESPONSE_DEADLINE`,
 * `PMSG_INVALID_OPTIONS`, `PMSG_INVALID_FEE_CODE`; `PMSG_STORAGE`. A
 * failed send changes nothing and leaves `*out` NULL.
 */
pmsg_status pmsg_send_json(const struct pmsg_store *store,
                           const char *request_json,
                           int64_t now_ms,
                           struct pmsg_outcome **out);

/**
 * Replies in a conversation at `now_ms`, as the patient side (R-M2) or
 * staff (R-M3). `request_json` is an object: `by` (`"account:ID"` or
 * `"staff:ID"`), `conversation` (id), `body`, optionally `attachments`
 * (as for `pmsg_send_json`) and, for staff only, the options of
 * `pmsg_send_json` (`from` defaults to the conversation's current one,
 * which an assignment may have changed, R-AS2). `confidential` is not a
 * reply option: the conversation's own applies, and a request that gives
 * the key at all, whatever its value, is refused (R-CF1); a staff reply in
 * a confidential conversation goes to the patient's own registered account
 * only (R-CF2).
 *
 * On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
 * not a JSON object, `now_ms` out of range, a malformed `by`),
 * `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED` (audited, R-A1, also
 * a caregiver in a confidential conversation, R-CF3),
 * `PMSG_CONVERSATION_CLOSED`, `PMSG_ATTACHMENTS_NOT_ALLOWED`, the
 * validation errors of `pmsg_send_json` (`PMSG_INVALID_OPTIONS` for a
 * `confidential` key, at the place right after `from`; R-CF1),
 * `PMSG_RECIPIENT_NOT_REACHABLE` (R-CF2), `PMSG_STORAGE`. A failed reply
 * changes nothing (except the audit entry of a refusal) and leaves `*out`
 * NULL.
 */
pmsg_status pmsg_reply_json(const struct pmsg_store *store,
                            const char *request_json,
                            int64_t now_ms,
                            struct pmsg_outcome **out);

/**
 * Sends one composition to many patients at `now_ms` (SPEC section 16,
 * R-G1 to R-G4), each in a conversation of their own, in one transaction.
 * `request_json` is the object of `pmsg_send_json` with `patients` (a list
 * of EMR IDs, at most config `max_group_size` entries) in place of
 * `patient`; every option applies to each conversation as in a single
 * send, except `file_to_chart`, which must be false or absent. An EMR ID
 * repeating an earlier one (case-folded) is dropped. A patient whose EMR ID
 * is unknown, or whom the message cannot reach (R-R2 to R-R4; R-CF2 when
 * `confidential`), is skipped; the others get their conversations in list
 * order. `*out` is a JSON object, every key always present:
 *
 * `{"group_id", "entries": [{"emr_id", "conversation_id": id or null,
 * "message_id": id or null, "delivered_to": [party], "status": "open" |
 * "closed" | null, "attachments": [{"id", "name"}], "skipped":
 * "unknown_patient" | "recipient_not_reachable" | null}]}`
 *
 * One entry per patient of the list (repeats dropped), in order, showing
 * each EMR ID as first written: a sent one as a single send reports it,
 * with the ids of its conversation's own copy of the attachments (for
 * `pmsg_download`) and `skipped` null; a skipped one with its code
 * (`conversation_id`, `message_id` and `status` null, `delivered_to` and
 * `attachments` empty). Pass `group_id` to `pmsg_group_report_json`. Each
 * conversation is then an ordinary one.
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors, the
 * first failing check of R-G2: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not
 * UTF-8, not a JSON object, `now_ms` out of range), `PMSG_UNKNOWN_STAFF`,
 * then `from` as in `pmsg_send_json` (`PMSG_INVALID_ARGUMENT`,
 * `PMSG_UNKNOWN_WORKGROUP`, `PMSG_NOT_WORKGROUP_MEMBER`,
 * `PMSG_DIRECT_NOT_ACCEPTED`), `PMSG_INVALID_OPTIONS` (`confidential`,
 * R-CF1), `PMSG_INVALID_ARGUMENT` (`patients` not a list of strings, empty
 * or too long), then the fields of R-S2 from the subject on
 * (`PMSG_INVALID_SUBJECT` ... `PMSG_INVALID_FEE_CODE`, and
 * `PMSG_INVALID_OPTIONS` for `file_to_chart: true`, last);
 * `PMSG_RECIPIENT_NOT_REACHABLE` when no patient is reachable (the message
 * names each EMR ID and why); `PMSG_STORAGE`. A failed group send records
 * nothing and leaves `*out` NULL.
 */
pmsg_status pmsg_send_group_json(const struct pmsg_store *store,
                                 const char *request_json,
                                 int64_t now_ms,
                                 char **out);

/**
 * The report of a group send (R-G5) for `by` (`"staff:ID"`) at `now_ms`:
 * per patient of the group, in list order, whether the patient side read
 * the group's message, replied, and owes an (overdue) response. The
 * group's author and the current members of its `from` workgroup may see
 * it (the author alone for a `direct` group). Marks nothing read; audited
 * once as `group_report`, with neither conversation nor message. `*out` is
 * a JSON object:
 *
 * `{"group_id", "entries": [{"emr_id", "conversation": id or null,
 * "skipped": "unknown_patient" | "recipient_not_reachable" | null,
 * "read": bool, "replied": bool, "awaiting_response": bool, "overdue":
 * bool}]}`
 *
 * A skipped patient has `conversation` null and the four flags false; a
 * sent one has `skipped` null.
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors, in
 * this order: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms`
 * out of range, a malformed or `workgroup:` `by`; not audited),
 * `PMSG_UNKNOWN_GROUP` (no group has the id `group_id`; not audited),
 * `PMSG_NOT_AUTHORIZED` (anyone else, accounts and unknown staff
 * included; audited as `refused`), `PMSG_STORAGE`. A failed call leaves
 * `*out` NULL.
 */
pmsg_status pmsg_group_report_json(const struct pmsg_store *store,
                                   const char *by,
                                   const char *group_id,
                                   int64_t now_ms,
                                   char **out);

/**
 * Marks what is addressed to `by`'s side of `conversation` as read at
 * `now_ms` (R-M1; first read wins). `by` is `"account:ID"` or
 * `"staff:ID"`. Audited as `read`.
 *
 * Ownership: the strings are read during the call only; nothing to free.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
 * `now_ms` out of range, a malformed `by`), `PMSG_UNKNOWN_CONVERSATION`,
 * `PMSG_NOT_AUTHORIZED` (audited), `PMSG_STORAGE`.
 */
pmsg_status pmsg_read(const struct pmsg_store *store,
                      const char *by,
                      const char *conversation,
                      int64_t now_ms);

/**
 * Closes an open conversation at `now_ms` (R-M4): `by` (`"staff:ID"`) must
 * be one of its staff participants. Ends any outstanding required
 * response; there is no reopening. Audited as `close`.
 *
 * Ownership: the strings are read during the call only; nothing to free.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8,
 * `now_ms` out of range, a malformed `by`), `PMSG_UNKNOWN_CONVERSATION`,
 * `PMSG_NOT_AUTHORIZED` (audited; also for an account),
 * `PMSG_CONVERSATION_CLOSED`, `PMSG_STORAGE`.
 */
pmsg_status pmsg_close_conversation(const struct pmsg_store *store,
                                    const char *by,
                                    const char *conversation,
                                    int64_t now_ms);

/**
 * Assigns an open conversation at `now_ms` to `to` (SPEC section 17): a
 * workgroup (`"workgroup:ID"`) or a staff member (`"staff:ID"`), with an
 * optional note for colleagues. `by` (`"staff:ID"`) must be one of its
 * staff participants (R-AS1). The conversation's current `from` becomes
 * `to`: later patient replies and their `new_reply` events go there, and
 * the assignee becomes a staff participant (R-AS2). An `assigned` event is
 * due to `to` at once (R-AS3, `message` null, see
 * `pmsg_due_events_json`); staff views list the assignment, patient-side
 * views never do (R-AS4). Audited as `assign`.
 *
 * `note` is NULL for no note; otherwise UTF-8 text of at most 2,000
 * characters whose only control characters are LF, CR and TAB, kept
 * exactly as given (`""` is a note).
 *
 * Ownership: the strings are read during the call only; nothing to free.
 * Thread-safe. Errors, in this order: `PMSG_INVALID_ARGUMENT` (a NULL
 * pointer other than `note`, a string not UTF-8, `now_ms` out of range, a
 * malformed `by`), `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED`
 * (audited; also for an account, R-A1), `PMSG_CONVERSATION_CLOSED`, then
 * `to`: `PMSG_INVALID_ARGUMENT` (neither `workgroup:ID` nor `staff:ID`),
 * `PMSG_UNKNOWN_WORKGROUP`, `PMSG_UNKNOWN_STAFF`, `PMSG_DIRECT_NOT_ACCEPTED`
 * (the staff member takes no direct messages, R-S1); then the note:
 * `PMSG_INVALID_ARGUMENT` (too long, or another control character);
 * `PMSG_STORAGE`. A failed assignment changes nothing (except the audit
 * entry of a refusal).
 */
pmsg_status pmsg_assign(const struct pmsg_store *store,
                        const char *by,
                        const char *conversation,
                        const char *to,
                        const char *note,
                        int64_t now_ms);

/**
 * Acknowledges a delivered event (R-D5): it is not returned by
 * `pmsg_due_events_json` or claimed by `pmsg_claim_due_events_json` again.
 * Idempotent; acknowledging a cancelled event succeeds; anyone may
 * acknowledge an event, claimed or not (R-D7). Not audited.
 *
 * Ownership: `event_id` is read during the call only; nothing to free.
 * Thread-safe (two threads may acknowledge one event). Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
 * range), `PMSG_UNKNOWN_EVENT`, `PMSG_STORAGE`.
 */
pmsg_status pmsg_ack(const struct pmsg_store *store, const char *event_id, int64_t now_ms);

/**
 * The content of attachment `attachment_id` of `conversation`, as `by`
 * downloads it at `now_ms` (R-D6). A first download by the patient side
 * starts the attachment's retention period. Audited as `download`.
 *
 * On success `*out_bytes` is a new buffer of `*out_len` bytes (not
 * NUL-terminated; never NULL, even for an empty file): free it with
 * `pmsg_bytes_free(*out_bytes, *out_len)`. The file's name and media type
 * are in `pmsg_view_json`. Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a
 * NULL pointer, not UTF-8, `now_ms` out of range, a malformed `by`),
 * `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED` (audited),
 * `PMSG_UNKNOWN_ATTACHMENT`, `PMSG_ATTACHMENT_EXPIRED` (purged),
 * `PMSG_STORAGE`. A failed call leaves `*out_bytes` NULL and `*out_len` 0.
 */
pmsg_status pmsg_download(const struct pmsg_store *store,
                          const char *by,
                          const char *conversation,
                          const char *attachment_id,
                          int64_t now_ms,
                          uint8_t **out_bytes,
                          size_t *out_len);

/**
 * The conversation as `by` sees it at `now_ms` (audited as `view`;
 * viewing does not mark anything read). `*out` is a JSON object:
 *
 * `{"id", "subject", "status": "open" | "closed", "patient_emr_id",
 * "patient_name", "awaiting_response": bool, "overdue": bool,
 * "response_due_at": instant or null, "confidential": bool, "messages":
 * [{"id", "side": "staff" | "patient", "sender", "from", "body", "sent_at":
 * instant, "read": bool, "masked": bool, "recipients": [party],
 * "attachments": [{"id", "name", "media_type", "size": bytes, "purged":
 * bool, "purged_at": instant or null}]}], "assignments": [{"by":
 * "staff:ID", "to": "workgroup:ID" | "staff:ID", "note": text or null,
 * "at": instant}]}`
 *
 * `confidential` (R-CF1) is shown to every viewer; `assignments` (R-AS4)
 * are oldest first, and always `[]` for a patient-side viewer.
 *
 * Instants in JSON are clinic-local RFC 3339 with offset
 * (`2026-03-10T09:00:00-04:00`, R-T1). JSON shapes are stable: keys may
 * be added, never renamed or removed; ignore keys you do not know.
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
 * range, a malformed `by`), `PMSG_UNKNOWN_CONVERSATION`,
 * `PMSG_NOT_AUTHORIZED` (audited; also a caregiver in a confidential
 * conversation, R-CF3), `PMSG_STORAGE`. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_view_json(const struct pmsg_store *store,
                           const char *by,
                           const char *conversation,
                           int64_t now_ms,
                           char **out);

/**
 * The pending events due at `now_ms` (R-D5), by due instant then creation
 * order, at most `limit` of them (`-1` for all, `0` for none; another
 * negative value is refused). Deliver each, then `pmsg_ack` it; an event
 * not acknowledged is returned again. `*out` is a JSON array:
 *
 * `[{"id", "kind": "new_message" | "new_reply" | "response_overdue" |
 * "unread_reminder" | "assigned", "to": "account:ID" | "staff:ID" |
 * "workgroup:ID", "conversation", "message": id or null, "due_at": instant,
 * "notice": text to send, free of health information}]`
 *
 * An `assigned` event (R-AS3) goes to the assignee of `pmsg_assign` and
 * has `"message": null`. This is the peek and single-worker API: it
 * ignores claims (R-D7) and returns claimed events too, and its events
 * never carry claim fields; several workers sharing a store use
 * `pmsg_claim_due_events_json` instead.
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe (two threads
 * may be handed the same event; acknowledging twice is harmless). Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms` out of range, `limit`
 * below -1), `PMSG_STORAGE`. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_due_events_json(const struct pmsg_store *store,
                                 int64_t now_ms,
                                 int64_t limit,
                                 char **out);

/**
 * Claims the pending events due at `now_ms` for `worker` (R-D7), for
 * several delivery workers (threads, processes, machines) sharing one
 * store: the events `pmsg_due_events_json` would return, minus those under
 * an unexpired claim (any worker's, this one's included), in the same
 * order, at most `limit` of them (`-1` for all, `0` for none; another
 * negative value is refused). Each returned event is claimed until
 * `claimed_until = now + lease_seconds` (elapsed seconds, not calendar
 * time): until then no claim returns it again; from then on any worker
 * may claim it. Deliver each, then `pmsg_ack` it; an event whose worker
 * died before acknowledging it is claimed again once its lease ends
 * (at-least-once). One call is atomic: two calls never both receive an
 * event within one unexpired claim. Not audited.
 *
 * `worker` names the claimant (a non-empty UTF-8 string of at most 200
 * characters without control characters, kept as given); it decides
 * nothing. `lease_seconds` is 1 to 86,400. `*out` is a JSON array of
 * events as `pmsg_due_events_json` gives them, each with one more key:
 *
 * `[{"id", "kind", "to", "conversation", "message": id or null, "due_at":
 * instant, "notice", "claimed_until": instant}]`
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors, in
 * this order: `PMSG_INVALID_ARGUMENT` (a NULL pointer, `worker` not UTF-8,
 * `now_ms` out of range; then, R-D7, `worker` empty, longer than 200
 * characters or holding a control character, `limit` below -1,
 * `lease_seconds` outside 1..=86400), `PMSG_STORAGE`. A failed call claims
 * nothing and leaves `*out` NULL.
 */
pmsg_status pmsg_claim_due_events_json(const struct pmsg_store *store,
                                       const char *worker,
                                       int64_t now_ms,
                                       int64_t limit,
                                       int64_t lease_seconds,
                                       char **out);

/**
 * One page of a folder (SPEC section 7) for `by` (`"staff:ID"` or
 * `"account:ID"`) at `now_ms`: `folder` is `"inbox"`, `"sent"`,
 * `"awaiting_response"` or `"closed"` (accounts: `inbox` and
 * `awaiting_response` only). `cursor` is NULL for the first page, then the
 * previous page's `next_cursor`; `page_size` 0 means the default (50),
 * else 1-1000. Not audited. `*out` is a JSON object:
 *
 * `{"entries": [{"conversation", "subject", "last_activity": instant,
 * "unread": bool, "awaiting_response": bool, "overdue": bool,
 * "response_due_at": instant or null, "status": "open" | "closed",
 * "patient_emr_id", "patient_name"}], "next_cursor": string or null}`
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer other than `cursor`, not UTF-8,
 * `now_ms` out of range, a malformed `by`, an unknown folder, a staff
 * folder for an account, a malformed cursor, `page_size` above 1000),
 * `PMSG_UNKNOWN_STAFF`, `PMSG_UNKNOWN_ACCOUNT`, `PMSG_STORAGE`. A failed
 * call leaves `*out` NULL.
 */
pmsg_status pmsg_folder_json(const struct pmsg_store *store,
                             const char *by,
                             const char *folder,
                             const char *cursor,
                             uint32_t page_size,
                             int64_t now_ms,
                             char **out);

/**
 * Finds patients by EMR ID (exact) or last-name prefix, case- and
 * accent-insensitively (R-R1), at most 50, each with where a message sent
 * at `now_ms` would be delivered. Not audited. `*out` is a JSON array:
 *
 * `[{"emr_id", "first_name", "last_name", "date_of_birth", "deliver_to":
 * [party], "unreachable_reason": string or null, "confidential_deliver_to":
 * [party]}]`
 *
 * `confidential_deliver_to` is where a confidential message
 * (`"confidential": true`, SPEC section 18) would go: `["account:ID"]` when
 * the patient has a registered account of their own, else `[]` (R-CF4).
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
 * range, a query empty after trimming or folding), `PMSG_STORAGE`. A
 * failed call leaves `*out` NULL.
 */
pmsg_status pmsg_search_json(const struct pmsg_store *store,
                             const char *query,
                             int64_t now_ms,
                             char **out);

/**
 * Deletes for good the content of every attachment whose retention ended
 * by `now_ms` (R-D6); their metadata stays. Each purge is audited (actor
 * `system`). `*out` is a JSON array of what was purged, in conversation,
 * message, attachment order:
 *
 * `[{"conversation", "message", "attachment", "name"}]`
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms` out of range),
 * `PMSG_STORAGE`. A failed call purges nothing and leaves `*out` NULL.
 */
pmsg_status pmsg_purge_json(const struct pmsg_store *store, int64_t now_ms, char **out);

/**
 * A billing cycle's report (R-B3): `cycle` is an id of the configured
 * kind (`"2026-03"`, `"2026-03-1"` or `"2026-W10"`). `*out` is a JSON
 * object:
 *
 * `{"cycle", "entries": [{"fee_code", "author", "patient", "conversation",
 * "message", "sent_at": instant}], "totals": [{"author", "fee_code",
 * "count"}]}`
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, a malformed cycle
 * id or one of another kind), `PMSG_STORAGE`. A failed call leaves `*out`
 * NULL.
 */
pmsg_status pmsg_billing_report_json(const struct pmsg_store *store, const char *cycle, char **out);

/**
 * The same report as `pmsg_billing_report_json`, as RFC 4180 CSV (UTF-8).
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors: as
 * `pmsg_billing_report_json`, and `PMSG_INTERNAL` should the report hold
 * U+0000. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_billing_report_csv(const struct pmsg_store *store, const char *cycle, char **out);

/**
 * The chart document of `conversation` (R-C1 to R-C3), for staff `by`
 * (`"staff:ID"`) who can see it, at `now_ms`: `format` `"text"` (plain
 * UTF-8 text) or `"fhir"` (an HL7 FHIR R4 `Bundle`, JSON). Deterministic:
 * the same state renders the same bytes. Audited as `export`.
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, not UTF-8, `now_ms` out of
 * range, a malformed `by`, an unknown format), `PMSG_UNKNOWN_CONVERSATION`,
 * `PMSG_NOT_AUTHORIZED` (audited; also for an account), `PMSG_STORAGE`,
 * and `PMSG_INTERNAL` should the text hold U+0000 (the `fhir` format
 * escapes it). A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_export_chart(const struct pmsg_store *store,
                              const char *by,
                              const char *conversation,
                              const char *format,
                              int64_t now_ms,
                              char **out);

/**
 * The last `count` audit entries (R-AU1), oldest first. `*out` is a JSON
 * array:
 *
 * `[{"seq": number from 1, "at": instant, "actor": "staff:ID" |
 * "account:ID" | "system", "action": "send" | "reply" | "read" | "view" |
 * "download" | "export" | "close" | "purge" | "assign" | "group_report" |
 * "refused", "conversation": id or null, "message": id or null, "hash":
 * hex SHA-256}]`
 *
 * `group_report` entries, and the refusal of a group report, have no
 * conversation (R-G5).
 *
 * On success free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, a negative `count`),
 * `PMSG_STORAGE`. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_audit_tail_json(const struct pmsg_store *store, int64_t count, char **out);

/**
 * Verifies the whole audit hash chain (R-AU1). `*out` is a JSON object:
 *
 * `{"ok": bool, "entries": entries verified, "first_broken": seq or null,
 * "problem": string or null}`
 *
 * A broken chain is a result (`"ok": false`), not an error. On success
 * free `*out` with `pmsg_string_free`. Thread-safe. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer), `PMSG_STORAGE`. A failed call
 * leaves `*out` NULL.
 */
pmsg_status pmsg_verify_audit_json(const struct pmsg_store *store, char **out);

/**
 * The conversation the message belongs to (new for a send).
 *
 * On success `*out` is borrowed from `outcome`: valid until
 * `pmsg_outcome_free(outcome)`; do not free it. Thread-safe: an outcome is
 * read-only, so several threads may read it at once (but free it once,
 * after all reads). Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or
 * `out`). As everywhere, a failed call leaves `*out` NULL.
 */
pmsg_status pmsg_outcome_conversation_id(const struct pmsg_outcome *outcome, const char **out);

/**
 * The id of the new message.
 *
 * Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
 */
pmsg_status pmsg_outcome_message_id(const struct pmsg_outcome *outcome, const char **out);

/**
 * The conversation's status after the operation: `"open"` or `"closed"`
 * (a message with `response = closed` closes it, R-S4).
 *
 * `*out` is a static string; do not free it. Thread-safe.
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
 */
pmsg_status pmsg_outcome_status(const struct pmsg_outcome *outcome, const char **out);

/**
 * How many parties the message was delivered to: the recipient accounts
 * of a staff message (`account:ID`, ordered by account id), or the one
 * `from` identity a patient-side reply went to (`staff:ID` or
 * `workgroup:ID`).
 *
 * Ownership: writes a number; nothing to free. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome`
 * or `out`).
 */
pmsg_status pmsg_outcome_delivered_to_count(const struct pmsg_outcome *outcome, size_t *out);

/**
 * The `index`-th party the message was delivered to (see
 * `pmsg_outcome_delivered_to_count`).
 *
 * Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`, or `index` not
 * below the count).
 */
pmsg_status pmsg_outcome_delivered_to(const struct pmsg_outcome *outcome,
                                      size_t index,
                                      const char **out);

/**
 * How many attachments the new message has.
 *
 * Ownership: writes a number; nothing to free. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome`
 * or `out`).
 */
pmsg_status pmsg_outcome_attachment_count(const struct pmsg_outcome *outcome, size_t *out);

/**
 * The id of the new message's `index`-th attachment, in the order given
 * (the id `pmsg_download` takes).
 *
 * Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`, or `index` not
 * below `pmsg_outcome_attachment_count`).
 */
pmsg_status pmsg_outcome_attachment_id(const struct pmsg_outcome *outcome,
                                       size_t index,
                                       const char **out);

/**
 * The file name of the new message's `index`-th attachment.
 *
 * Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`, or `index` not
 * below `pmsg_outcome_attachment_count`); `PMSG_INTERNAL` if the name
 * holds U+0000, which a C string cannot carry (read it from
 * `pmsg_view_json` instead).
 */
pmsg_status pmsg_outcome_attachment_name(const struct pmsg_outcome *outcome,
                                         size_t index,
                                         const char **out);

/**
 * With `file_to_chart` ("Send and Download", R-C2): the whole conversation
 * as the plain-text chart document (UTF-8). Without it, `*out` is NULL and
 * the status is `PMSG_OK`.
 *
 * Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`);
 * `PMSG_INTERNAL` if the document holds U+0000 (use `pmsg_export_chart`'s
 * `"fhir"` format, which escapes it).
 */
pmsg_status pmsg_outcome_chart_text(const struct pmsg_outcome *outcome, const char **out);

/**
 * With `file_to_chart` (R-C2): the whole conversation as an HL7 FHIR R4
 * `Bundle` (JSON). Without it, `*out` is NULL and the status is `PMSG_OK`.
 *
 * Borrowed `*out`, valid until `pmsg_outcome_free`. Thread-safe (read-only).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
 */
pmsg_status pmsg_outcome_chart_fhir(const struct pmsg_outcome *outcome, const char **out);

/**
 * Frees an outcome and every string borrowed from it.
 *
 * Ownership: takes back `outcome`, which must come from pmsg and not be
 * used again. `pmsg_outcome_free(NULL)` does nothing. Call it once, after
 * every thread has finished reading the outcome. Never fails.
 */
void pmsg_outcome_free(struct pmsg_outcome *outcome);

/**
 * Creates an empty request: every field unset (the SPEC defaults).
 *
 * On success `*out` is a new request: free it with
 * `pmsg_send_request_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `out`).
 */
pmsg_status pmsg_send_request_new(struct pmsg_send_request **out);

/**
 * Frees a request. `pmsg_send_request_free(NULL)` does nothing. Never
 * fails.
 */
void pmsg_send_request_free(struct pmsg_send_request *request);

/**
 * The author of a send or group send: a staff id (R-S2 checks it first,
 * `PMSG_UNKNOWN_STAFF`).
 *
 * Every setter: the strings are copied; nothing to free. Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `request` or value, a string not UTF-8),
 * naming the argument; a send of a request whose setter failed reports
 * that error.
 */
pmsg_status pmsg_send_request_set_author(struct pmsg_send_request *request, const char *author);

/**
 * The patient of a send: an EMR ID (compared case-insensitively, §15).
 * Errors as `pmsg_send_request_set_author`.
 */
pmsg_status pmsg_send_request_set_patient(struct pmsg_send_request *request, const char *patient);

/**
 * Appends a patient (an EMR ID) to the list of a group send (SPEC section
 * 16), in order; a repeat is dropped by the send (R-G2). A failure marks
 * the list bad: the group send then fails with it at the list's place.
 * Errors as `pmsg_send_request_set_author`.
 */
pmsg_status pmsg_send_request_add_patient(struct pmsg_send_request *request, const char *patient);

/**
 * Who replies (`pmsg_conversation_reply`): `"account:ID"` or `"staff:ID"`.
 * Errors as `pmsg_send_request_set_author`.
 */
pmsg_status pmsg_send_request_set_by(struct pmsg_send_request *request, const char *by);

/**
 * The conversation a reply is in (its id). Errors as
 * `pmsg_send_request_set_author`.
 */
pmsg_status pmsg_send_request_set_conversation(struct pmsg_send_request *request,
                                               const char *conversation);

/**
 * `from` = the author in person (`direct`, R-S1). A send needs a `from`;
 * a staff reply without one keeps the conversation's (R-M3). Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `request`).
 */
pmsg_status pmsg_send_request_set_from_direct(struct pmsg_send_request *request);

/**
 * `from` = the workgroup `workgroup` (its id, not empty), which the author
 * must belong to (R-S1). Errors: `PMSG_INVALID_ARGUMENT` (NULL `request`
 * or `workgroup`, not UTF-8, empty), which a send then reports at the
 * `from` place of R-S2.
 */
pmsg_status pmsg_send_request_set_from_workgroup(struct pmsg_send_request *request,
                                                 const char *workgroup);

/**
 * The subject of a send or group send (1-200 characters, one line; R-S2
 * checks it at send). Errors: `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8),
 * which a send then reports at the subject's place.
 */
pmsg_status pmsg_send_request_set_subject(struct pmsg_send_request *request, const char *subject);

/**
 * The body (1-20,000 characters; R-S2 checks it at send). Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8), which a send then reports at
 * the body's place.
 */
pmsg_status pmsg_send_request_set_body(struct pmsg_send_request *request, const char *body);

/**
 * Appends a file: its `name`, its `media_type` (e.g.
 * `"application/pdf"`) and `len` bytes at `bytes` (copied; `bytes` may be
 * NULL when `len` is 0). R-S2 checks the count, names, types and sizes at
 * send. Errors: `PMSG_INVALID_ARGUMENT` (NULL `request`, `name` or
 * `media_type`, a string not UTF-8, NULL `bytes` with `len` above 0),
 * which a send then reports at the attachments' place.
 */
pmsg_status pmsg_send_request_add_attachment(struct pmsg_send_request *request,
                                             const char *name,
                                             const char *media_type,
                                             const uint8_t *bytes,
                                             size_t len);

/**
 * Reminds the `from` identity when the message is still unread after
 * `count` `unit`s (R-D3): `unit` is `PMSG_UNIT_DAYS` or
 * `PMSG_UNIT_WEEKS`; `count` is checked at send (1 or more, at most
 * config `max_deadline_days` days in all). Errors: `PMSG_INVALID_ARGUMENT`
 * (NULL `request`), `PMSG_INVALID_NOTIFY_INTERVAL` (`unit` none of them),
 * which a send then reports at the interval's place.
 */
pmsg_status pmsg_send_request_set_unread_notify(struct pmsg_send_request *request,
                                                int64_t count,
                                                int32_t unit);

/**
 * The response option (SPEC section 4): `response` is
 * `PMSG_RESPONSE_CLOSED`, `PMSG_RESPONSE_ALLOWED` (the default) or
 * `PMSG_RESPONSE_REQUIRED`, whose `required_days` (checked at send: 1 to
 * config `max_deadline_days`, R-D2) the others do not take (pass 0).
 * One setter with a `pmsg_response` value, not three, so that a value the
 * host read from its own data is checked as a JSON request's word is.
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `request`),
 * `PMSG_INVALID_OPTIONS` (`response` none of them, or `required_days`
 * not 0 without `PMSG_RESPONSE_REQUIRED`), which a send then reports at
 * the response's place.
 */
pmsg_status pmsg_send_request_set_response(struct pmsg_send_request *request,
                                           int32_t response,
                                           int64_t required_days);

/**
 * Lets the patient attach files to a reply (1) or not (0, the default);
 * with a response allowed or required only (R-S2, at send). Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `request`), `PMSG_INVALID_OPTIONS` (a
 * value other than 0 or 1), which a send then reports at the flag's place.
 */
pmsg_status pmsg_send_request_set_allow_reply_attachments(struct pmsg_send_request *request,
                                                          int32_t allow_reply_attachments);

/**
 * Shows the sender to the patient side as `Clinic Staff` (1) or not (0,
 * the default) (R-S5). Errors as
 * `pmsg_send_request_set_allow_reply_attachments`.
 */
pmsg_status pmsg_send_request_set_mask_name(struct pmsg_send_request *request, int32_t mask_name);

/**
 * The fee code to bill (R-B1; checked at send: 1-10 of A-Z and 0-9 after
 * trimming and upper-casing, and in the configured list if there is one).
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL, not UTF-8), which a send then
 * reports at the fee code's place.
 */
pmsg_status pmsg_send_request_set_fee_code(struct pmsg_send_request *request, const char *fee_code);

/**
 * "Send and Download" (R-C2): also return the chart document in the
 * outcome (1), or not (0, the default); a group send refuses 1 (R-G1).
 * Errors as `pmsg_send_request_set_allow_reply_attachments`.
 */
pmsg_status pmsg_send_request_set_file_to_chart(struct pmsg_send_request *request,
                                                int32_t file_to_chart);

/**
 * A confidential conversation (1) or not (0, the default) (SPEC section
 * 18): it and every later staff message go to the patient's own
 * registered account only, and caregivers never see it (R-CF1 to R-CF3).
 * Only a conversation's first message gives it: a reply that sets it, to
 * either value, is refused at send (`PMSG_INVALID_OPTIONS`, R-CF1).
 * Errors as `pmsg_send_request_set_allow_reply_attachments`.
 */
pmsg_status pmsg_send_request_set_confidential(struct pmsg_send_request *request,
                                               int32_t confidential);

/**
 * Sends the first message of a new conversation at `now_ms`, as
 * `pmsg_send_json` does, from a request built with the setters: its
 * `author` and `patient` and the options set (a request that sets `by`,
 * `conversation` or patients of a group is refused, as is one without an
 * author or patient). The core checks every rule, in R-S2's order, and a
 * setter's failure at its field's place; verdicts are those of
 * `pmsg_send_json` for the same request written as JSON.
 *
 * On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
 * `request` is only read: free it (or send it again) afterwards.
 * Thread-safe for the store. Errors: `PMSG_INVALID_ARGUMENT` (a NULL
 * pointer, `now_ms` out of range, a field this call does not take, no
 * author or patient), then those of `pmsg_send_json`. A failed send
 * changes nothing and leaves `*out` NULL.
 */
pmsg_status pmsg_conversation_send(const struct pmsg_store *store,
                                   const struct pmsg_send_request *request,
                                   int64_t now_ms,
                                   struct pmsg_outcome **out);

/**
 * Replies in a conversation at `now_ms`, as `pmsg_reply_json` does, from
 * a request built with the setters: its `by` and `conversation`, its body
 * and attachments and, for staff only, the options set (a request that
 * sets an author, a patient, patients of a group or a subject is refused,
 * as is one without `by` or conversation). Setting `confidential` at all
 * is refused by the core (R-CF1). Verdicts are those of `pmsg_reply_json`.
 *
 * On success `*out` is a new outcome: free it with `pmsg_outcome_free`.
 * Thread-safe for the store. Errors: `PMSG_INVALID_ARGUMENT` (a NULL
 * pointer, `now_ms` out of range, a field this call does not take, no
 * `by` or conversation), then those of `pmsg_reply_json`. A failed reply
 * changes nothing (except the audit entry of a refusal) and leaves `*out`
 * NULL.
 */
pmsg_status pmsg_conversation_reply(const struct pmsg_store *store,
                                    const struct pmsg_send_request *request,
                                    int64_t now_ms,
                                    struct pmsg_outcome **out);

/**
 * Sends one composition to many patients at `now_ms`, as
 * `pmsg_send_group_json` does (SPEC section 16, R-G1 to R-G4), from a
 * request built with the setters: its `author`, its patients
 * (`pmsg_send_request_add_patient`, at least one) and the options set
 * (`file_to_chart` must be 0; a request that sets `patient`, `by` or a
 * conversation is refused, as is one without an author). Verdicts are
 * those of `pmsg_send_group_json`.
 *
 * On success `*out` is a new handle: free it with
 * `pmsg_group_outcome_free`. Thread-safe for the store. Errors:
 * `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms` out of range, a field
 * this call does not take, no author), then those of
 * `pmsg_send_group_json`. A failed group send records nothing and leaves
 * `*out` NULL.
 */
pmsg_status pmsg_group_send(const struct pmsg_store *store,
                            const struct pmsg_send_request *request,
                            int64_t now_ms,
                            struct pmsg_group_outcome **out);

/**
 * The new group's id (for `pmsg_group_report`). Borrowed, valid until
 * `pmsg_group_outcome_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL
 * `outcome` or `out`).
 */
pmsg_status pmsg_group_outcome_group_id(const struct pmsg_group_outcome *outcome, const char **out);

/**
 * How many entries: one per patient of the list, repeats dropped, in
 * order. Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`).
 */
pmsg_status pmsg_group_outcome_count(const struct pmsg_group_outcome *outcome, size_t *out);

/**
 * The entry's EMR ID, as written at its first place in the request.
 * Borrowed. Errors: `PMSG_INVALID_ARGUMENT` (NULL `outcome` or `out`,
 * `index` not below `pmsg_group_outcome_count`).
 */
pmsg_status pmsg_group_outcome_emr_id(const struct pmsg_group_outcome *outcome,
                                      size_t index,
                                      const char **out);

/**
 * Why the patient was skipped: `"unknown_patient"` or
 * `"recipient_not_reachable"`; NULL (with `PMSG_OK`) when sent. Borrowed.
 * Errors as `pmsg_group_outcome_emr_id`.
 */
pmsg_status pmsg_group_outcome_skipped(const struct pmsg_group_outcome *outcome,
                                       size_t index,
                                       const char **out);

/**
 * The patient's new conversation; NULL (with `PMSG_OK`) when skipped.
 * Borrowed. Errors as `pmsg_group_outcome_emr_id`.
 */
pmsg_status pmsg_group_outcome_conversation_id(const struct pmsg_group_outcome *outcome,
                                               size_t index,
                                               const char **out);

/**
 * The conversation's first message; NULL (with `PMSG_OK`) when skipped.
 * Borrowed. Errors as `pmsg_group_outcome_emr_id`.
 */
pmsg_status pmsg_group_outcome_message_id(const struct pmsg_group_outcome *outcome,
                                          size_t index,
                                          const char **out);

/**
 * The conversation's status after the send, `"open"` or `"closed"`
 * (static); NULL (with `PMSG_OK`) when skipped. Errors as
 * `pmsg_group_outcome_emr_id`.
 */
pmsg_status pmsg_group_outcome_status(const struct pmsg_group_outcome *outcome,
                                      size_t index,
                                      const char **out);

/**
 * How many accounts the entry's message was delivered to (0 when
 * skipped). Errors as `pmsg_group_outcome_emr_id`.
 */
pmsg_status pmsg_group_outcome_delivered_to_count(const struct pmsg_group_outcome *outcome,
                                                  size_t index,
                                                  size_t *out);

/**
 * The `party`-th of them (`"account:ID"`). Borrowed. Errors as
 * `pmsg_group_outcome_emr_id`, and `party` out of range.
 */
pmsg_status pmsg_group_outcome_delivered_to(const struct pmsg_group_outcome *outcome,
                                            size_t index,
                                            size_t party,
                                            const char **out);

/**
 * How many attachments the entry's conversation has its own copy of (0
 * when skipped). Errors as `pmsg_group_outcome_emr_id`.
 */
pmsg_status pmsg_group_outcome_attachment_count(const struct pmsg_group_outcome *outcome,
                                                size_t index,
                                                size_t *out);

/**
 * The id of the conversation's copy of the `attachment`-th file (for
 * `pmsg_download`). Borrowed. Errors as `pmsg_group_outcome_emr_id`, and
 * `attachment` out of range.
 */
pmsg_status pmsg_group_outcome_attachment_id(const struct pmsg_group_outcome *outcome,
                                             size_t index,
                                             size_t attachment,
                                             const char **out);

/**
 * The file name of the `attachment`-th file. Borrowed. Errors as
 * `pmsg_group_outcome_attachment_id`.
 */
pmsg_status pmsg_group_outcome_attachment_name(const struct pmsg_group_outcome *outcome,
                                               size_t index,
                                               size_t attachment,
                                               const char **out);

/**
 * Frees `outcome` and every string borrowed from it. NULL does nothing.
 * Never fails.
 */
void pmsg_group_outcome_free(struct pmsg_group_outcome *outcome);

/**
 * The report of a group send (R-G5) for `by` (`"staff:ID"`) at `now_ms`,
 * as `pmsg_group_report_json` gives it, as a typed result. Audited once as
 * `group_report`. Errors, in order, as `pmsg_group_report_json`.
 *
 * On success `*out` is a new handle: free it with
 * `pmsg_group_progress_free`. Thread-safe. A failed call leaves `*out`
 * NULL.
 */
pmsg_status pmsg_group_report(const struct pmsg_store *store,
                              const char *by,
                              const char *group_id,
                              int64_t now_ms,
                              struct pmsg_group_progress **out);

/**
 * The group's id. Borrowed, valid until `pmsg_group_progress_free`.
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `progress` or `out`).
 */
pmsg_status pmsg_group_progress_group_id(const struct pmsg_group_progress *progress,
                                         const char **out);

/**
 * How many entries: one per patient of the group's list, in order.
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `progress` or `out`).
 */
pmsg_status pmsg_group_progress_count(const struct pmsg_group_progress *progress, size_t *out);

/**
 * The entry's EMR ID, as written in the request. Borrowed. Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `progress` or `out`, `index` not below
 * `pmsg_group_progress_count`).
 */
pmsg_status pmsg_group_progress_emr_id(const struct pmsg_group_progress *progress,
                                       size_t index,
                                       const char **out);

/**
 * The patient's conversation; NULL (with `PMSG_OK`) when skipped.
 * Borrowed. Errors as `pmsg_group_progress_emr_id`.
 */
pmsg_status pmsg_group_progress_conversation(const struct pmsg_group_progress *progress,
                                             size_t index,
                                             const char **out);

/**
 * The skip code; NULL (with `PMSG_OK`) when sent. Errors as
 * `pmsg_group_progress_emr_id`.
 */
pmsg_status pmsg_group_progress_skipped(const struct pmsg_group_progress *progress,
                                        size_t index,
                                        const char **out);

/**
 * 1 when the patient side has read the group's message (R-M1), else 0
 * (always 0 when skipped). Errors as `pmsg_group_progress_emr_id`.
 */
pmsg_status pmsg_group_progress_read(const struct pmsg_group_progress *progress,
                                     size_t index,
                                     int32_t *out);

/**
 * 1 when the conversation holds a patient-side reply, else 0. Errors as
 * `pmsg_group_progress_emr_id`.
 */
pmsg_status pmsg_group_progress_replied(const struct pmsg_group_progress *progress,
                                        size_t index,
                                        int32_t *out);

/**
 * 1 when an outstanding required response exists (R-D2), else 0. Errors
 * as `pmsg_group_progress_emr_id`.
 */
pmsg_status pmsg_group_progress_awaiting_response(const struct pmsg_group_progress *progress,
                                                  size_t index,
                                                  int32_t *out);

/**
 * 1 when that response is overdue at the report's `now`, else 0. Errors
 * as `pmsg_group_progress_emr_id`.
 */
pmsg_status pmsg_group_progress_overdue(const struct pmsg_group_progress *progress,
                                        size_t index,
                                        int32_t *out);

/**
 * Frees `progress` and every string borrowed from it. NULL does nothing.
 * Never fails.
 */
void pmsg_group_progress_free(struct pmsg_group_progress *progress);

/**
 * The pending events due at `now_ms` (R-D5), as `pmsg_due_events_json`
 * gives them, as a typed result: by due instant then creation order, at
 * most `limit` of them (`-1` for all, `0` for none; another negative value
 * is refused). Deliver each, then `pmsg_ack` it; an event not acknowledged
 * is returned again. This is the peek and single-worker API: it ignores
 * claims (R-D7), and its events have no `claimed_until` (NULL).
 *
 * On success `*out` is a new handle: read it with `pmsg_events_count` and
 * the `pmsg_events_*` accessors, free it with `pmsg_events_free`.
 * Thread-safe. Errors: `PMSG_INVALID_ARGUMENT` (a NULL pointer, `now_ms`
 * out of range, `limit` below -1), `PMSG_STORAGE`. A failed call leaves
 * `*out` NULL.
 */
pmsg_status pmsg_events_due(const struct pmsg_store *store,
                            int64_t now_ms,
                            int64_t limit,
                            struct pmsg_events **out);

/**
 * Claims the pending events due at `now_ms` for `worker` (R-D7), as
 * `pmsg_claim_due_events_json` does, and returns them as a typed result:
 * each with its `claimed_until` (`now + lease_seconds`). Arguments, order
 * of checks and errors as `pmsg_claim_due_events_json`.
 *
 * On success `*out` is a new handle: free it with `pmsg_events_free`.
 * Thread-safe; one call is atomic. A failed call claims nothing and
 * leaves `*out` NULL.
 */
pmsg_status pmsg_events_claim(const struct pmsg_store *store,
                              const char *worker,
                              int64_t now_ms,
                              int64_t limit,
                              int64_t lease_seconds,
                              struct pmsg_events **out);

/**
 * How many events `events` holds (each accessor below takes an `index`
 * below it).
 *
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `events` or `out`). As everywhere,
 * a failed call leaves `*out` 0.
 */
pmsg_status pmsg_events_count(const struct pmsg_events *events, size_t *out);

/**
 * The event's id, for `pmsg_ack`.
 *
 * `*out` is borrowed from `events`: valid until `pmsg_events_free`; do
 * not free it. Errors: `PMSG_INVALID_ARGUMENT` (NULL `events` or `out`,
 * `index` not below the count). A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_events_id(const struct pmsg_events *events, size_t index, const char **out);

/**
 * The event's kind: `"new_message"`, `"new_reply"`, `"response_overdue"`,
 * `"unread_reminder"` or `"assigned"` (a static string).
 *
 * Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_kind(const struct pmsg_events *events, size_t index, const char **out);

/**
 * The party to notify: `"account:ID"`, `"staff:ID"` or `"workgroup:ID"`.
 *
 * Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_to(const struct pmsg_events *events, size_t index, const char **out);

/**
 * The conversation the event is about.
 *
 * Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_conversation(const struct pmsg_events *events,
                                     size_t index,
                                     const char **out);

/**
 * The message the event is about; NULL (with `PMSG_OK`) when none applies
 * (an `assigned` event, R-AS3).
 *
 * Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_message(const struct pmsg_events *events, size_t index, const char **out);

/**
 * When the event fell due: a clinic-local RFC 3339 instant with offset
 * (R-T1).
 *
 * Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_due_at(const struct pmsg_events *events, size_t index, const char **out);

/**
 * The notice text to send: free of health information (no subject, body,
 * names or file names).
 *
 * Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_notice(const struct pmsg_events *events, size_t index, const char **out);

/**
 * For an event of `pmsg_events_claim`: the end of its claim, a
 * clinic-local RFC 3339 instant (R-D7). NULL (with `PMSG_OK`) for an
 * event of `pmsg_events_due`, which never shows claims.
 *
 * Borrowed, valid until `pmsg_events_free`. Errors as `pmsg_events_id`.
 */
pmsg_status pmsg_events_claimed_until(const struct pmsg_events *events,
                                      size_t index,
                                      const char **out);

/**
 * Frees `events` and every string borrowed from it. `pmsg_events_free(NULL)`
 * does nothing. Call it once, after every thread has finished reading.
 * Never fails.
 */
void pmsg_events_free(struct pmsg_events *events);

/**
 * The conversation as `by` sees it at `now_ms`, as `pmsg_view_json` gives
 * it, as a typed result (audited as `view`; viewing does not mark anything
 * read). Arguments and errors as `pmsg_view_json`: `PMSG_INVALID_ARGUMENT`
 * (a NULL pointer, not UTF-8, `now_ms` out of range, a malformed `by`),
 * `PMSG_UNKNOWN_CONVERSATION`, `PMSG_NOT_AUTHORIZED` (audited; also a
 * caregiver in a confidential conversation, R-CF3), `PMSG_STORAGE`.
 *
 * On success `*out` is a new handle: free it with `pmsg_view_free`.
 * Thread-safe. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_conversation_view(const struct pmsg_store *store,
                                   const char *by,
                                   const char *conversation,
                                   int64_t now_ms,
                                   struct pmsg_view **out);

/**
 * The conversation's id.
 *
 * `*out` is borrowed from `view`: valid until `pmsg_view_free`; do not
 * free it. Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or `out`). A
 * failed call leaves `*out` NULL.
 */
pmsg_status pmsg_view_id(const struct pmsg_view *view, const char **out);

/**
 * The conversation's subject. Borrowed, valid until `pmsg_view_free`.
 * Errors as `pmsg_view_id`.
 */
pmsg_status pmsg_view_subject(const struct pmsg_view *view, const char **out);

/**
 * `"open"` or `"closed"` (a static string). Errors as `pmsg_view_id`.
 */
pmsg_status pmsg_view_status(const struct pmsg_view *view, const char **out);

/**
 * The patient's EMR ID. Borrowed, valid until `pmsg_view_free`. Errors as
 * `pmsg_view_id`.
 */
pmsg_status pmsg_view_patient_emr_id(const struct pmsg_view *view, const char **out);

/**
 * The patient's name, `First Last`. Borrowed, valid until
 * `pmsg_view_free`. Errors as `pmsg_view_id`.
 */
pmsg_status pmsg_view_patient_name(const struct pmsg_view *view, const char **out);

/**
 * 1 when an outstanding required response exists (R-D2), else 0.
 * Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or `out`).
 */
pmsg_status pmsg_view_awaiting_response(const struct pmsg_view *view, int32_t *out);

/**
 * 1 when the outstanding response's due instant has been reached, else 0.
 * Errors as `pmsg_view_awaiting_response`.
 */
pmsg_status pmsg_view_overdue(const struct pmsg_view *view, int32_t *out);

/**
 * The outstanding response's due instant (clinic-local RFC 3339); NULL
 * (with `PMSG_OK`) when nothing is outstanding. Borrowed, valid until
 * `pmsg_view_free`. Errors as `pmsg_view_id`.
 */
pmsg_status pmsg_view_response_due_at(const struct pmsg_view *view, const char **out);

/**
 * 1 for a confidential conversation (R-CF1; shown to every viewer), else 0.
 * Errors as `pmsg_view_awaiting_response`.
 */
pmsg_status pmsg_view_confidential(const struct pmsg_view *view, int32_t *out);

/**
 * How many messages the conversation has, in order (the `message`
 * argument of the `pmsg_view_message_*` and `pmsg_view_attachment_*`
 * accessors is below it). Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or
 * `out`).
 */
pmsg_status pmsg_view_message_count(const struct pmsg_view *view, size_t *out);

/**
 * The message's id. Borrowed, valid until `pmsg_view_free`. Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `view` or `out`, `message` not below
 * `pmsg_view_message_count`).
 */
pmsg_status pmsg_view_message_id(const struct pmsg_view *view, size_t message, const char **out);

/**
 * Which side wrote the message: `"staff"` or `"patient"` (static).
 * Errors as `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_side(const struct pmsg_view *view, size_t message, const char **out);

/**
 * The sender's display name (`Clinic Staff` for a masked message seen by
 * the patient side, R-S5). Borrowed, valid until `pmsg_view_free`.
 * Errors as `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_sender(const struct pmsg_view *view,
                                     size_t message,
                                     const char **out);

/**
 * The display name of the message's `from` identity. Borrowed, valid
 * until `pmsg_view_free`. Errors as `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_from(const struct pmsg_view *view, size_t message, const char **out);

/**
 * The message's body. Borrowed, valid until `pmsg_view_free`. Errors as
 * `pmsg_view_message_id`, and `PMSG_INTERNAL` should the body hold U+0000
 * (read it from `pmsg_view_json` instead).
 */
pmsg_status pmsg_view_message_body(const struct pmsg_view *view, size_t message, const char **out);

/**
 * When the message was sent (clinic-local RFC 3339). Borrowed, valid until
 * `pmsg_view_free`. Errors as `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_sent_at(const struct pmsg_view *view,
                                      size_t message,
                                      const char **out);

/**
 * 1 when the addressee side has read the message (R-M1), else 0. Errors
 * as `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_read(const struct pmsg_view *view, size_t message, int32_t *out);

/**
 * 1 for a masked staff message seen by staff (R-S5), else 0. Errors as
 * `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_masked(const struct pmsg_view *view, size_t message, int32_t *out);

/**
 * How many recipients (parties) the message has. Errors as
 * `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_message_recipient_count(const struct pmsg_view *view,
                                              size_t message,
                                              size_t *out);

/**
 * The message's `index`-th recipient (`"account:ID"`, `"staff:ID"` or
 * `"workgroup:ID"`). Borrowed, valid until `pmsg_view_free`. Errors as
 * `pmsg_view_message_id`, and `index` not below
 * `pmsg_view_message_recipient_count`.
 */
pmsg_status pmsg_view_message_recipient(const struct pmsg_view *view,
                                        size_t message,
                                        size_t index,
                                        const char **out);

/**
 * How many attachments the message has, in order (the `attachment`
 * argument below is below it). Errors as `pmsg_view_message_id`.
 */
pmsg_status pmsg_view_attachment_count(const struct pmsg_view *view, size_t message, size_t *out);

/**
 * The attachment's id (for `pmsg_download`). Borrowed, valid until
 * `pmsg_view_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or
 * `out`, `message` or `attachment` out of range).
 */
pmsg_status pmsg_view_attachment_id(const struct pmsg_view *view,
                                    size_t message,
                                    size_t attachment,
                                    const char **out);

/**
 * The attachment's file name. Borrowed, valid until `pmsg_view_free`.
 * Errors as `pmsg_view_attachment_id`.
 */
pmsg_status pmsg_view_attachment_name(const struct pmsg_view *view,
                                      size_t message,
                                      size_t attachment,
                                      const char **out);

/**
 * The attachment's media type. Borrowed, valid until `pmsg_view_free`.
 * Errors as `pmsg_view_attachment_id`.
 */
pmsg_status pmsg_view_attachment_media_type(const struct pmsg_view *view,
                                            size_t message,
                                            size_t attachment,
                                            const char **out);

/**
 * The attachment's size in bytes (kept after a purge). Errors as
 * `pmsg_view_attachment_id`.
 */
pmsg_status pmsg_view_attachment_size(const struct pmsg_view *view,
                                      size_t message,
                                      size_t attachment,
                                      uint64_t *out);

/**
 * 1 when retention deleted the attachment's content (R-D6), else 0.
 * Errors as `pmsg_view_attachment_id`.
 */
pmsg_status pmsg_view_attachment_purged(const struct pmsg_view *view,
                                        size_t message,
                                        size_t attachment,
                                        int32_t *out);

/**
 * When the attachment was purged (clinic-local RFC 3339); NULL (with
 * `PMSG_OK`) when it was not. Borrowed, valid until `pmsg_view_free`.
 * Errors as `pmsg_view_attachment_id`.
 */
pmsg_status pmsg_view_attachment_purged_at(const struct pmsg_view *view,
                                           size_t message,
                                           size_t attachment,
                                           const char **out);

/**
 * How many assignments the conversation has had (R-AS4), oldest first;
 * always 0 for a patient-side viewer. Errors: `PMSG_INVALID_ARGUMENT`
 * (NULL `view` or `out`).
 */
pmsg_status pmsg_view_assignment_count(const struct pmsg_view *view, size_t *out);

/**
 * Who made the `index`-th assignment (`"staff:ID"`). Borrowed, valid
 * until `pmsg_view_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `view` or
 * `out`, `index` not below `pmsg_view_assignment_count`).
 */
pmsg_status pmsg_view_assignment_by(const struct pmsg_view *view, size_t index, const char **out);

/**
 * The assignee (`"workgroup:ID"` or `"staff:ID"`). Borrowed, valid until
 * `pmsg_view_free`. Errors as `pmsg_view_assignment_by`.
 */
pmsg_status pmsg_view_assignment_to(const struct pmsg_view *view, size_t index, const char **out);

/**
 * The assignment's note, exactly as given; NULL (with `PMSG_OK`) when it
 * had none. Borrowed, valid until `pmsg_view_free`. Errors as
 * `pmsg_view_assignment_by`.
 */
pmsg_status pmsg_view_assignment_note(const struct pmsg_view *view, size_t index, const char **out);

/**
 * When the assignment was made (clinic-local RFC 3339). Borrowed, valid
 * until `pmsg_view_free`. Errors as `pmsg_view_assignment_by`.
 */
pmsg_status pmsg_view_assignment_at(const struct pmsg_view *view, size_t index, const char **out);

/**
 * Frees `view` and every string borrowed from it. `pmsg_view_free(NULL)`
 * does nothing. Never fails.
 */
void pmsg_view_free(struct pmsg_view *view);

/**
 * One page of a folder (SPEC section 7), as `pmsg_folder_json` gives it,
 * as a typed result: for `by` (`"staff:ID"` or `"account:ID"`) at
 * `now_ms`, `folder` `"inbox"`, `"sent"`, `"awaiting_response"` or
 * `"closed"`; `cursor` NULL for the first page, then the previous page's
 * `pmsg_folder_page_next_cursor` (copy it first if the page is freed
 * before); `page_size` 0 for the default (50), else 1-1000. Not audited.
 * Errors as `pmsg_folder_json`.
 *
 * On success `*out` is a new handle: free it with `pmsg_folder_page_free`.
 * Thread-safe. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_folder_list(const struct pmsg_store *store,
                             const char *by,
                             const char *folder,
                             const char *cursor,
                             uint32_t page_size,
                             int64_t now_ms,
                             struct pmsg_folder_page **out);

/**
 * How many entries the page holds. Errors: `PMSG_INVALID_ARGUMENT` (NULL
 * `page` or `out`).
 */
pmsg_status pmsg_folder_page_count(const struct pmsg_folder_page *page, size_t *out);

/**
 * The cursor of the next page (pass it to `pmsg_folder_list`); NULL (with
 * `PMSG_OK`) on the last page. Borrowed, valid until
 * `pmsg_folder_page_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `page` or
 * `out`).
 */
pmsg_status pmsg_folder_page_next_cursor(const struct pmsg_folder_page *page, const char **out);

/**
 * The entry's conversation id. Borrowed, valid until
 * `pmsg_folder_page_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `page` or
 * `out`, `index` not below `pmsg_folder_page_count`).
 */
pmsg_status pmsg_folder_page_conversation(const struct pmsg_folder_page *page,
                                          size_t index,
                                          const char **out);

/**
 * The entry's subject. Borrowed. Errors as `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_subject(const struct pmsg_folder_page *page,
                                     size_t index,
                                     const char **out);

/**
 * The instant of the conversation's latest message (clinic-local RFC
 * 3339). Borrowed. Errors as `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_last_activity(const struct pmsg_folder_page *page,
                                           size_t index,
                                           const char **out);

/**
 * 1 when a message addressed to the viewer's side is unread, else 0.
 * Errors as `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_unread(const struct pmsg_folder_page *page,
                                    size_t index,
                                    int32_t *out);

/**
 * 1 when an outstanding required response exists, else 0. Errors as
 * `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_awaiting_response(const struct pmsg_folder_page *page,
                                               size_t index,
                                               int32_t *out);

/**
 * 1 when the outstanding response is overdue, else 0. Errors as
 * `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_overdue(const struct pmsg_folder_page *page,
                                     size_t index,
                                     int32_t *out);

/**
 * The outstanding response's due instant; NULL (with `PMSG_OK`) when
 * none. Borrowed. Errors as `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_response_due_at(const struct pmsg_folder_page *page,
                                             size_t index,
                                             const char **out);

/**
 * `"open"` or `"closed"` (static). Errors as
 * `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_status(const struct pmsg_folder_page *page,
                                    size_t index,
                                    const char **out);

/**
 * The patient's EMR ID. Borrowed. Errors as
 * `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_patient_emr_id(const struct pmsg_folder_page *page,
                                            size_t index,
                                            const char **out);

/**
 * The patient's name, `First Last`. Borrowed. Errors as
 * `pmsg_folder_page_conversation`.
 */
pmsg_status pmsg_folder_page_patient_name(const struct pmsg_folder_page *page,
                                          size_t index,
                                          const char **out);

/**
 * Frees `page` and every string borrowed from it. NULL does nothing.
 * Never fails.
 */
void pmsg_folder_page_free(struct pmsg_folder_page *page);

/**
 * Finds patients by EMR ID (exact) or last-name prefix, as
 * `pmsg_search_json` does (R-R1, at most 50), as a typed result: each
 * with where a message sent at `now_ms` would go, and where a
 * confidential one would (R-CF4). Errors as `pmsg_search_json`.
 *
 * On success `*out` is a new handle: free it with `pmsg_matches_free`.
 * Thread-safe. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_patients_search(const struct pmsg_store *store,
                                 const char *query,
                                 int64_t now_ms,
                                 struct pmsg_matches **out);

/**
 * How many patients were found. Errors: `PMSG_INVALID_ARGUMENT` (NULL
 * `matches` or `out`).
 */
pmsg_status pmsg_matches_count(const struct pmsg_matches *matches, size_t *out);

/**
 * The patient's EMR ID, as last spelled. Borrowed, valid until
 * `pmsg_matches_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `matches` or
 * `out`, `index` not below `pmsg_matches_count`).
 */
pmsg_status pmsg_matches_emr_id(const struct pmsg_matches *matches, size_t index, const char **out);

/**
 * The patient's given name. Borrowed. Errors as `pmsg_matches_emr_id`.
 */
pmsg_status pmsg_matches_first_name(const struct pmsg_matches *matches,
                                    size_t index,
                                    const char **out);

/**
 * The patient's family name. Borrowed. Errors as `pmsg_matches_emr_id`.
 */
pmsg_status pmsg_matches_last_name(const struct pmsg_matches *matches,
                                   size_t index,
                                   const char **out);

/**
 * The patient's date of birth, `YYYY-MM-DD`. Borrowed. Errors as
 * `pmsg_matches_emr_id`.
 */
pmsg_status pmsg_matches_date_of_birth(const struct pmsg_matches *matches,
                                       size_t index,
                                       const char **out);

/**
 * How many parties a message to the patient would be delivered to now
 * (0 when unreachable). Errors as `pmsg_matches_emr_id`.
 */
pmsg_status pmsg_matches_deliver_to_count(const struct pmsg_matches *matches,
                                          size_t index,
                                          size_t *out);

/**
 * The `party`-th of them (`"account:ID"`, ordered by account id).
 * Borrowed. Errors as `pmsg_matches_emr_id`, and `party` not below
 * `pmsg_matches_deliver_to_count`.
 */
pmsg_status pmsg_matches_deliver_to(const struct pmsg_matches *matches,
                                    size_t index,
                                    size_t party,
                                    const char **out);

/**
 * Why a message cannot reach the patient; NULL (with `PMSG_OK`) when it
 * can. Borrowed. Errors as `pmsg_matches_emr_id`.
 */
pmsg_status pmsg_matches_unreachable_reason(const struct pmsg_matches *matches,
                                            size_t index,
                                            const char **out);

/**
 * How many parties a confidential message would be delivered to (R-CF4):
 * 1 when the patient has a registered account of their own, else 0.
 * Errors as `pmsg_matches_emr_id`.
 */
pmsg_status pmsg_matches_confidential_deliver_to_count(const struct pmsg_matches *matches,
                                                       size_t index,
                                                       size_t *out);

/**
 * The `party`-th of them (`"account:ID"`). Borrowed. Errors as
 * `pmsg_matches_emr_id`, and `party` not below
 * `pmsg_matches_confidential_deliver_to_count`.
 */
pmsg_status pmsg_matches_confidential_deliver_to(const struct pmsg_matches *matches,
                                                 size_t index,
                                                 size_t party,
                                                 const char **out);

/**
 * Frees `matches` and every string borrowed from it. NULL does nothing.
 * Never fails.
 */
void pmsg_matches_free(struct pmsg_matches *matches);

/**
 * Deletes for good the content of every attachment whose retention ended
 * by `now_ms` (R-D6), as `pmsg_purge_json` does, and reports them as a
 * typed result, in conversation, message, attachment order. Each purge
 * is audited (actor `system`). Errors as `pmsg_purge_json`.
 *
 * On success `*out` is a new handle: free it with `pmsg_purged_free`.
 * Thread-safe. A failed call purges nothing and leaves `*out` NULL.
 */
pmsg_status pmsg_attachments_purge(const struct pmsg_store *store,
                                   int64_t now_ms,
                                   struct pmsg_purged **out);

/**
 * How many attachments were purged. Errors: `PMSG_INVALID_ARGUMENT` (NULL
 * `purged` or `out`).
 */
pmsg_status pmsg_purged_count(const struct pmsg_purged *purged, size_t *out);

/**
 * The purged attachment's conversation. Borrowed, valid until
 * `pmsg_purged_free`. Errors: `PMSG_INVALID_ARGUMENT` (NULL `purged` or
 * `out`, `index` not below `pmsg_purged_count`).
 */
pmsg_status pmsg_purged_conversation(const struct pmsg_purged *purged,
                                     size_t index,
                                     const char **out);

/**
 * The purged attachment's message. Borrowed. Errors as
 * `pmsg_purged_conversation`.
 */
pmsg_status pmsg_purged_message(const struct pmsg_purged *purged, size_t index, const char **out);

/**
 * The purged attachment's id. Borrowed. Errors as
 * `pmsg_purged_conversation`.
 */
pmsg_status pmsg_purged_attachment(const struct pmsg_purged *purged,
                                   size_t index,
                                   const char **out);

/**
 * The purged attachment's file name. Borrowed. Errors as
 * `pmsg_purged_conversation`.
 */
pmsg_status pmsg_purged_name(const struct pmsg_purged *purged, size_t index, const char **out);

/**
 * Frees `purged` and every string borrowed from it. NULL does nothing.
 * Never fails.
 */
void pmsg_purged_free(struct pmsg_purged *purged);

/**
 * A billing cycle's report (R-B3), as `pmsg_billing_report_json` gives it,
 * as a typed result: `cycle` is an id of the configured kind (`"2026-03"`,
 * `"2026-03-1"` or `"2026-W10"`). Errors as `pmsg_billing_report_json`.
 *
 * On success `*out` is a new handle: free it with `pmsg_billing_free`.
 * Thread-safe. A failed call leaves `*out` NULL.
 */
pmsg_status pmsg_billing_report(const struct pmsg_store *store,
                                const char *cycle,
                                struct pmsg_billing **out);

/**
 * The cycle id. Borrowed, valid until `pmsg_billing_free`. Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `billing` or `out`).
 */
pmsg_status pmsg_billing_cycle(const struct pmsg_billing *billing, const char **out);

/**
 * How many entries the cycle has, in sent order. Errors:
 * `PMSG_INVALID_ARGUMENT` (NULL `billing` or `out`).
 */
pmsg_status pmsg_billing_entry_count(const struct pmsg_billing *billing, size_t *out);

/**
 * The entry's fee code. Borrowed. Errors: `PMSG_INVALID_ARGUMENT` (NULL
 * `billing` or `out`, `index` not below `pmsg_billing_entry_count`).
 */
pmsg_status pmsg_billing_entry_fee_code(const struct pmsg_billing *billing,
                                        size_t index,
                                        const char **out);

/**
 * The entry's author (staff id). Borrowed. Errors as
 * `pmsg_billing_entry_fee_code`.
 */
pmsg_status pmsg_billing_entry_author(const struct pmsg_billing *billing,
                                      size_t index,
                                      const char **out);

/**
 * The entry's patient (EMR ID as spelled at send). Borrowed. Errors as
 * `pmsg_billing_entry_fee_code`.
 */
pmsg_status pmsg_billing_entry_patient(const struct pmsg_billing *billing,
                                       size_t index,
                                       const char **out);

/**
 * The entry's conversation. Borrowed. Errors as
 * `pmsg_billing_entry_fee_code`.
 */
pmsg_status pmsg_billing_entry_conversation(const struct pmsg_billing *billing,
                                            size_t index,
                                            const char **out);

/**
 * The entry's message. Borrowed. Errors as `pmsg_billing_entry_fee_code`.
 */
pmsg_status pmsg_billing_entry_message(const struct pmsg_billing *billing,
                                       size_t index,
                                       const char **out);

/**
 * When the billed message was sent (clinic-local RFC 3339). Borrowed.
 * Errors as `pmsg_billing_entry_fee_code`.
 */
pmsg_status pmsg_billing_entry_sent_at(const struct pmsg_billing *billing,
                                       size_t index,
                                       const char **out);

/**
 * How many totals the report has (one per author and fee code, by author
 * then fee code). Errors: `PMSG_INVALID_ARGUMENT` (NULL `billing` or
 * `out`).
 */
pmsg_status pmsg_billing_total_count(const struct pmsg_billing *billing, size_t *out);

/**
 * The total's author (staff id). Borrowed. Errors: `PMSG_INVALID_ARGUMENT`
 * (NULL `billing` or `out`, `index` not below `pmsg_billing_total_count`).
 */
pmsg_status pmsg_billing_total_author(const struct pmsg_billing *billing,
                                      size_t index,
                                      const char **out);

/**
 * The total's fee code. Borrowed. Errors as `pmsg_billing_total_author`.
 */
pmsg_status pmsg_billing_total_fee_code(const struct pmsg_billing *billing,
                                        size_t index,
                                        const char **out);

/**
 * How many entries the total counts (the JSON report's `count`). Errors as
 * `pmsg_billing_total_author`.
 */
pmsg_status pmsg_billing_total_entries(const struct pmsg_billing *billing,
                                       size_t index,
                                       uint64_t *out);

/**
 * Frees `billing` and every string borrowed from it. NULL does nothing.
 * Never fails.
 */
void pmsg_billing_free(struct pmsg_billing *billing);

/**
 * Frees a string that pmsg returned through a `char **` out-pointer
 * (`pmsg_view_json`, `pmsg_export_chart`, ...).
 *
 * Ownership: takes back `s`, which must come from pmsg, unmodified, and
 * not be used again. `pmsg_string_free(NULL)` does nothing. Thread-safe
 * (any thread may free a string). Never fails.
 */
void pmsg_string_free(char *s);

/**
 * Frees a byte buffer that pmsg returned (`pmsg_download`).
 *
 * `len` is the length pmsg wrote with the buffer; pmsg also keeps the
 * buffer's true size itself, so a wrong `len` cannot corrupt the heap.
 *
 * Ownership: takes back `bytes`, which must come from pmsg and not be used
 * again. `pmsg_bytes_free(NULL, 0)` does nothing. Thread-safe. Never fails.
 */
void pmsg_bytes_free(uint8_t *bytes, size_t len);

#if defined(PMSG_TEST_PANIC)
/**
 * Test builds only (cargo feature `test-panic`, C macro
 * `PMSG_TEST_PANIC`): panics inside the boundary, to show that a panic
 * returns `PMSG_INTERNAL` with a message instead of unwinding into C.
 * A shipped libpmsg does not export it.
 */
pmsg_status pmsg_test_force_panic(void);
#endif

#ifdef __cplusplus
}  /* extern "C" */
#endif  /* __cplusplus */

#endif  /* PMSG_H */
