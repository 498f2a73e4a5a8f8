/* pmsg.h compiles on its own as strict C99 (-std=c99 -pedantic -Werror). */
#include "pmsg.h"

/* Use a few declarations so that the check is not vacuous. */
int header_check_c(void);
int header_check_c(void) {
    pmsg_status st = PMSG_OK;
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = NULL;
    (void)store;
    (void)outcome;
    return (int)st + PMSG_VERSION_NUMBER + (int)sizeof(pmsg_status_name(PMSG_INTERNAL));
}
