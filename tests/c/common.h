/*
 * Shared helpers of the C tests of libpmsg: checks that count failures and
 * say which call failed with which status and message, a directory
 * fixture, and small JSON scanners (the tests read pmsg's JSON results by
 * substring; they do not need a JSON parser).
 */
#ifndef PMSG_TEST_COMMON_H
#define PMSG_TEST_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmsg.h"

/* 2026-03-10T14:00:00Z, in milliseconds since the Unix epoch. */
#define T0 INT64_C(1773151200000)
#define DAY_MS INT64_C(86400000)

static int failures = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

/* Like CHECK, but a failure ends the test: what follows depends on it. */
#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static inline int expect_status(pmsg_status got, pmsg_status want, const char *call,
                                const char *file, int line) {
    if (got == want) return 1;
    fprintf(stderr, "%s:%d: %s\n    returned %s (%d), expected %s (%d)\n    message: %s\n",
            file, line, call, pmsg_status_name(got), (int)got, pmsg_status_name(want),
            (int)want, pmsg_last_error_message());
    failures++;
    return 0;
}

/* The call returns `want`; evaluates to 1 when it did. */
#define EXPECT(call, want) expect_status((call), (want), #call, __FILE__, __LINE__)
#define OK(call) EXPECT(call, PMSG_OK)
/* The call succeeds, or the test ends. */
#define MUST(call)                                                     \
    do {                                                               \
        if (!expect_status((call), PMSG_OK, #call, __FILE__, __LINE__)) \
            exit(1);                                                   \
    } while (0)

/* The last error message on this thread contains `part`. */
#define EXPECT_MESSAGE(part)                                                       \
    do {                                                                           \
        const char *m_ = pmsg_last_error_message();                                \
        if (m_ == NULL || strstr(m_, (part)) == NULL) {                            \
            fprintf(stderr, "%s:%d: last error message %s%s%s lacks \"%s\"\n",     \
                    __FILE__, __LINE__, m_ ? "\"" : "", m_ ? m_ : "NULL", m_ ? "\"" : "", \
                    (part));                                                       \
            failures++;                                                            \
        }                                                                          \
    } while (0)

#define CONTAINS(haystack, needle) ((haystack) != NULL && strstr((haystack), (needle)) != NULL)

/* A string equality that tolerates NULL (NULL equals only NULL). */
static inline int same(const char *a, const char *b) {
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static inline int finish(const char *name) {
    if (failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* How many times `needle` occurs in `haystack`. */
static inline size_t count_of(const char *haystack, const char *needle) {
    size_t n = 0, len = strlen(needle);
    const char *p = haystack;
    while (p != NULL && (p = strstr(p, needle)) != NULL) {
        n++;
        p += len;
    }
    return n;
}

/*
 * Copies the string value that follows the first `key` (e.g. "\"id\":\"")
 * at or after `from` into `out` (at most `cap` bytes with the NUL).
 * Returns a pointer just past the value, or NULL when there is none. The
 * values read this way (ids, cursors, parties) contain no escapes.
 */
static inline const char *string_after(const char *from, const char *key, char *out, size_t cap) {
    const char *start = strstr(from, key), *end;
    size_t len;
    if (start == NULL) return NULL;
    start += strlen(key);
    end = strchr(start, '"');
    if (end == NULL) return NULL;
    len = (size_t)(end - start);
    if (len + 1 > cap) return NULL;
    memcpy(out, start, len);
    out[len] = '\0';
    return end + 1;
}

/* The directory every test starts from (the scenario format). */
static const char DIRECTORY_JSON[] =
    "{\"accounts\": ["
    "  {\"id\": \"a-lea\", \"kind\": \"patient\", \"display_name\": \"L\xc3\xa9" "a Roy\","
    "   \"registered\": true},"
    "  {\"id\": \"a-marc\", \"kind\": \"caregiver\", \"display_name\": \"Marc Roy\","
    "   \"registered\": true}],"
    " \"patients\": ["
    "  {\"emr_id\": \"E100\", \"first_name\": \"L\xc3\xa9" "a\", \"last_name\": \"Roy\","
    "   \"date_of_birth\": \"1980-01-31\", \"account\": \"a-lea\"},"
    "  {\"emr_id\": \"E200\", \"first_name\": \"Noah\", \"last_name\": \"Roy\","
    "   \"date_of_birth\": \"2015-06-10\"}],"
    " \"connections\": [{\"caregiver\": \"a-marc\", \"patient\": \"E200\", \"active\": true}],"
    " \"staff\": ["
    "  {\"id\": \"s-dr\", \"display_name\": \"Dr Stone\", \"accepts_direct\": true},"
    "  {\"id\": \"s-nurse\", \"display_name\": \"Nurse Ng\", \"accepts_direct\": false}],"
    " \"workgroups\": [{\"id\": \"w-front\", \"name\": \"Front desk\","
    "   \"members\": [\"s-dr\", \"s-nurse\"]}]}";

#endif /* PMSG_TEST_COMMON_H */
