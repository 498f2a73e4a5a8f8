// pmsg.h compiles on its own as strict C++98/03 and C++11 and later
// (tests/c/CMakeLists.txt: -std=c++98, c++11 and c++17, -pedantic -Wall
// -Wextra -Wundef -Werror), with C linkage for the functions.
#include "pmsg.h"

#if __cplusplus >= 201103L
#include <cstdint>
#include <type_traits>
// C++11 and later: pmsg_status is an enum whose base is int32_t.
static_assert(std::is_same<std::underlying_type<pmsg_status>::type, std::int32_t>::value,
              "pmsg_status is an enum of base int32_t");
static_assert(PMSG_OK == 0, "status values never change");
static_assert(PMSG_INTERNAL == 28, "status values never change");
static_assert(PMSG_UNKNOWN_GROUP == 29, "status values never change");
#else
// C++98 has neither static_assert nor enum bases: pmsg_status is a plain
// enum, int-sized on every ABI pmsg supports; an array of negative size
// fails the build if it is not.
typedef char pmsg_status_is_32_bits[sizeof(pmsg_status) == sizeof(int32_t) ? 1 : -1];
typedef char pmsg_ok_is_0[PMSG_OK == 0 ? 1 : -1];
typedef char pmsg_internal_is_28[PMSG_INTERNAL == 28 ? 1 : -1];
typedef char pmsg_unknown_group_is_29[PMSG_UNKNOWN_GROUP == 29 ? 1 : -1];
typedef char pmsg_response_required_is_3[PMSG_RESPONSE_REQUIRED == 3 ? 1 : -1];
typedef char pmsg_unit_weeks_is_2[PMSG_UNIT_WEEKS == 2 ? 1 : -1];
#endif

int header_check_cpp();
int header_check_cpp() {
    pmsg_status st = PMSG_OK;
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = NULL;
    const char *(*name)(int32_t) = &pmsg_status_name;
    pmsg_status (*send)(const pmsg_store *, const char *, int64_t, pmsg_outcome **) =
        &pmsg_send_json;
    pmsg_status (*claim)(const pmsg_store *, const char *, int64_t, int64_t, int64_t, char **) =
        &pmsg_claim_due_events_json;
    pmsg_status (*assign)(const pmsg_store *, const char *, const char *, const char *,
                          const char *, int64_t) = &pmsg_assign;
    pmsg_status (*group)(const pmsg_store *, const char *, int64_t, char **) =
        &pmsg_send_group_json;
    pmsg_status (*report)(const pmsg_store *, const char *, const char *, int64_t, char **) =
        &pmsg_group_report_json;
    pmsg_status (*due)(const pmsg_store *, int64_t, int64_t, pmsg_events **) = &pmsg_events_due;
    pmsg_status (*field)(const pmsg_view *, size_t, size_t, const char **) =
        &pmsg_view_attachment_name;
    (void)store;
    (void)outcome;
    (void)send;
    pmsg_status (*typed_send)(const pmsg_store *, const pmsg_send_request *, int64_t,
                              pmsg_outcome **) = &pmsg_conversation_send;
    pmsg_status (*respond)(pmsg_send_request *, int32_t, int64_t) =
        &pmsg_send_request_set_response;
    (void)due;
    (void)field;
    (void)typed_send;
    (void)respond;
    (void)claim;
    (void)assign;
    (void)group;
    (void)report;
    return static_cast<int>(st) + (name(st) != NULL ? PMSG_VERSION_MAJOR : 0);
}
