// pmsg.h compiles on its own as strict C++11 (-std=c++11 -pedantic -Werror),
// with C linkage for the functions.
#include "pmsg.h"

#include <cstdint>

static_assert(sizeof(pmsg_status) == sizeof(std::int32_t), "pmsg_status is 32 bits");
static_assert(PMSG_INTERNAL == 28, "status values never change");
static_assert(PMSG_UNKNOWN_GROUP == 29, "a new code takes the next number");

int header_check_cpp();
int header_check_cpp() {
    pmsg_status st = PMSG_OK;
    pmsg_store *store = nullptr;
    pmsg_outcome *outcome = nullptr;
    const char *(*name)(std::int32_t) = &pmsg_status_name;
    pmsg_status (*send)(const pmsg_store *, const char *, std::int64_t, pmsg_outcome **) =
        &pmsg_send_json;
    pmsg_status (*claim)(const pmsg_store *, const char *, std::int64_t, std::int64_t,
                         std::int64_t, char **) = &pmsg_claim_due_events_json;
    pmsg_status (*assign)(const pmsg_store *, const char *, const char *, const char *,
                          const char *, std::int64_t) = &pmsg_assign;
    pmsg_status (*group)(const pmsg_store *, const char *, std::int64_t, char **) =
        &pmsg_send_group_json;
    pmsg_status (*report)(const pmsg_store *, const char *, const char *, std::int64_t,
                          char **) = &pmsg_group_report_json;
    (void)store;
    (void)outcome;
    (void)group;
    (void)report;
    (void)send;
    (void)claim;
    (void)assign;
    return static_cast<int>(st) + (name(st) != nullptr ? PMSG_VERSION_MAJOR : 0);
}
