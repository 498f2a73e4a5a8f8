/*
 * leak_canary: leaks a store and a string on purpose. tests/c/run.sh
 * expects valgrind and LeakSanitizer to FAIL on it, proving that their
 * leak checks of the real tests are not vacuous. Not a CTest test.
 */
#include "common.h"

int main(void) {
    pmsg_store *store = NULL;
    char *json = NULL;
    MUST(pmsg_open_in_memory(NULL, &store));
    MUST(pmsg_verify_audit_json(store, &json));
    printf("leak_canary: leaking a store and %u bytes of JSON on purpose\n",
           (unsigned)strlen(json));
    /* Lose both pointers: definitely lost. */
    *(char *volatile *)&json = NULL;
    *(pmsg_store *volatile *)&store = NULL;
    (void)DIRECTORY_JSON;
    return failures;
}
