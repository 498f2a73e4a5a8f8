/*
 * encryption: encryption at rest through the C ABI (pmsg_open_encrypted).
 *
 *   encryption on    libpmsg was built with the cargo feature `encryption`:
 *                    a message body and a patient's name leave no trace in
 *                    the file or its WAL; the right key reopens and reads
 *                    it; a wrong key, and no key at all, fail at open with
 *                    PMSG_STORAGE saying so; a plain file opened with a key
 *                    fails the same way.
 *   encryption off   a plain build: pmsg_has_encryption() is 0 and
 *                    pmsg_open_encrypted fails with PMSG_STORAGE naming the
 *                    feature, creating nothing.
 *
 * Either way the build must be the one the argument names, so the test
 * fails when the library and the expectation disagree.
 */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "common.h"

/* What an out-pointer holds before a call, to see that a failure clears it. */
#define BAD_STORE_SENTINEL ((pmsg_store *)&failures)

static const char BODY[] = "UNMISTAKABLE-C-BODY: your biopsy result is benign";
static const char SEND_JSON[] =
    "{\"author\": \"s-dr\", \"patient\": \"E100\", \"from\": \"direct\","
    " \"subject\": \"Biopsy\", \"body\": \"UNMISTAKABLE-C-BODY: your biopsy result is benign\"}";

/* Whether the file at `path` holds `needle` anywhere (a missing file: no). */
static int file_contains(const char *path, const char *needle) {
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, len = 0, n, k = strlen(needle), i;
    char *buf;
    int found = 0;
    if (f == NULL) return 0;
    buf = malloc(cap);
    REQUIRE(buf != NULL);
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(buf, cap * 2);
            REQUIRE(bigger != NULL);
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    for (i = 0; !found && len >= k && i <= len - k; i++) found = memcmp(buf + i, needle, k) == 0;
    free(buf);
    return found;
}

static void remove_store(const char *path) {
    char side[512];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void encrypted(const char *dir) {
    char path[400], wal[420], plain[400], conv[128];
    pmsg_store *store = NULL;
    pmsg_outcome *outcome = NULL;
    const char *s = NULL;
    char *json = NULL;

    snprintf(path, sizeof path, "%s/pmsg-encrypted-%ld.db", dir, (long)getpid());
    snprintf(wal, sizeof wal, "%s-wal", path);
    remove_store(path);
    MUST(pmsg_open_encrypted(path, "correct horse battery", NULL, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    MUST(pmsg_send_json(store, SEND_JSON, T0, &outcome));
    MUST(pmsg_outcome_conversation_id(outcome, &s));
    strcpy(conv, s);
    pmsg_outcome_free(outcome);
    /* While open (the WAL holds the newest pages) and after closing. */
    CHECK(!file_contains(path, "UNMISTAKABLE-C-BODY"));
    CHECK(!file_contains(wal, "UNMISTAKABLE-C-BODY"));
    CHECK(!file_contains(path, "Dr Stone") && !file_contains(wal, "Dr Stone"));
    pmsg_close(store);
    CHECK(!file_contains(path, "UNMISTAKABLE-C-BODY"));
    CHECK(!file_contains(wal, "UNMISTAKABLE-C-BODY"));

    store = BAD_STORE_SENTINEL;
    if (EXPECT(pmsg_open_encrypted(path, "wrong horse", NULL, &store), PMSG_STORAGE)) {
        EXPECT_MESSAGE("key is wrong");
    }
    CHECK(store == NULL);
    if (EXPECT(pmsg_open(path, NULL, &store), PMSG_STORAGE)) EXPECT_MESSAGE("encrypted");
    CHECK(store == NULL);

    MUST(pmsg_open_encrypted(path, "correct horse battery", NULL, &store));
    MUST(pmsg_view_json(store, "account:a-lea", conv, T0 + DAY_MS, &json));
    CHECK(CONTAINS(json, BODY));
    pmsg_string_free(json);
    pmsg_close(store);
    remove_store(path);

    /* A plain file is not opened as if encrypted. */
    snprintf(plain, sizeof plain, "%s/pmsg-plain-%ld.db", dir, (long)getpid());
    remove_store(plain);
    MUST(pmsg_open(plain, NULL, &store));
    MUST(pmsg_directory_upsert_json(store, DIRECTORY_JSON));
    pmsg_close(store);
    store = NULL;
    if (EXPECT(pmsg_open_encrypted(plain, "some key", NULL, &store), PMSG_STORAGE)) {
        EXPECT_MESSAGE("key is wrong");
    }
    CHECK(store == NULL);
    remove_store(plain);
}

static void not_built_in(const char *dir) {
    char path[400];
    pmsg_store *store = BAD_STORE_SENTINEL;
    snprintf(path, sizeof path, "%s/pmsg-never-%ld.db", dir, (long)getpid());
    remove_store(path);
    if (EXPECT(pmsg_open_encrypted(path, "a key", NULL, &store), PMSG_STORAGE)) {
        EXPECT_MESSAGE("feature `encryption`");
    }
    CHECK(store == NULL);
    CHECK(access(path, F_OK) != 0);
}

int main(int argc, char **argv) {
    const char *dir = getenv("TMPDIR");
    int want;
    if (argc != 2 || (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0)) {
        fprintf(stderr, "usage: encryption on|off   (whether libpmsg has encryption)\n");
        return 2;
    }
    want = strcmp(argv[1], "on") == 0;
    if (dir == NULL || *dir == '\0') dir = "/tmp";
    if (pmsg_has_encryption() != want) {
        fprintf(stderr, "pmsg_has_encryption() is %d, expected %d\n", pmsg_has_encryption(), want);
        return 1;
    }
    if (want) {
        encrypted(dir);
    } else {
        not_built_in(dir);
    }
    return finish(want ? "encryption on" : "encryption off");
}
