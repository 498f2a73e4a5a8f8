/* pmsg.h compiles on its own as strict C89/C90 and C99 (tests/c/CMakeLists.txt:
 * -std=c89 and -std=c99, -pedantic -Wall -Wextra -Wundef -Werror). Nothing
 * here is newer than C89, so the check proves the header alone. */
#include "pmsg.h"

/* C89 has no static assertion: an array of negative size fails instead. */
typedef char pmsg_status_is_32_bits[sizeof(pmsg_status) == sizeof(int32_t) ? 1 : -1];
typedef char pmsg_ok_is_0[PMSG_OK == 0 ? 1 : -1];
typedef char pmsg_internal_is_28[PMSG_INTERNAL == 28 ? 1 : -1];
typedef char pmsg_unknown_group_is_29[PMSG_UNKNOWN_GROUP == 29 ? 1 : -1];
typedef char pmsg_response_required_is_3[PMSG_RESPONSE_REQUIRED == 3 ? 1 : -1];
typedef char pmsg_unit_weeks_is_2[PMSG_UNIT_WEEKS == 2 ? 1 : -1];

/* Use a few declarations so that the check is not vacuous. */
int header_check_c(void);
int header_check_c(void) {
    pmsg_status st = PMSG_OK;
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = NULL;
    pmsg_status (*send)(const pmsg_store *, const char *, int64_t, pmsg_outcome **) =
        &pmsg_send_json;
    pmsg_status (*due)(const pmsg_store *, int64_t, int64_t, pmsg_events **) = &pmsg_events_due;
    pmsg_status (*field)(const pmsg_view *, size_t, size_t, const char **) =
        &pmsg_view_attachment_name;
    pmsg_status (*typed_send)(const pmsg_store *, const pmsg_send_request *, int64_t,
                              pmsg_outcome **) = &pmsg_conversation_send;
    pmsg_status (*respond)(pmsg_send_request *, int32_t, int64_t) =
        &pmsg_send_request_set_response;
    (void)store;
    (void)outcome;
    (void)send;
    (void)due;
    (void)field;
    (void)typed_send;
    (void)respond;
    return (int)st + PMSG_VERSION_NUMBER + (int)sizeof(pmsg_status_name(PMSG_INTERNAL));
}
