/*
 * static_link: an EMR host that has its own SQLite (the system's, -lsqlite3)
 * and links libpmsg.a beside it (tests/c/static_link.sh builds and runs it).
 * Each must keep its own SQLite:
 *   - the host's sqlite3_* calls reach the system library: its version and
 *     source id are those of the <sqlite3.h> compiled against, and its JSON
 *     functions work (pmsg's bundled SQLite is built without them);
 *   - pmsg works on its own SQLite: an in-memory store, a directory upsert
 *     and a search, between two uses of the host's SQLite.
 * Exit status 0 when all holds; otherwise each failure is printed.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "pmsg.h"

static int failures = 0;

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "static_link: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    failures++;
}

/* The host's own SQL on the host's SQLite: SELECT json_extract('{"a":1}','$.a') is 1. */
static void host_sqlite(const char *when) {
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        fail("sqlite3_open(\":memory:\") failed", db ? sqlite3_errmsg(db) : NULL);
    } else if (sqlite3_prepare_v2(db, "SELECT json_extract('{\"a\":1}', '$.a')", -1, &stmt,
                                  NULL) != SQLITE_OK) {
        fail("the host's SQLite has no json_extract", sqlite3_errmsg(db));
    } else if (sqlite3_step(stmt) != SQLITE_ROW || sqlite3_column_int(stmt, 0) != 1) {
        fail("json_extract('{\"a\":1}', '$.a') is not 1", sqlite3_errmsg(db));
    } else {
        printf("host SQLite %s: json_extract('{\"a\":1}', '$.a') = 1 (%s)\n", sqlite3_libversion(),
               when);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static const char *DIRECTORY =
    "{\"accounts\": [{\"id\": \"a-lea\", \"kind\": \"patient\", \"display_name\": \"Lea Roy\","
    " \"registered\": true}],"
    " \"patients\": [{\"emr_id\": \"E100\", \"first_name\": \"Lea\", \"last_name\": \"Roy\","
    " \"date_of_birth\": \"1980-01-31\", \"account\": \"a-lea\"}]}";

/* pmsg on its own SQLite: an in-memory store, a directory upsert, a search. */
static void pmsg_calls(void) {
    pmsg_store *store = NULL;
    char *json = NULL;
    pmsg_status st = pmsg_open_in_memory(NULL, &store);
    if (st != PMSG_OK) {
        fail("pmsg_open_in_memory failed", pmsg_last_error_message());
        return;
    }
    st = pmsg_directory_upsert_json(store, DIRECTORY);
    if (st != PMSG_OK) {
        fail("pmsg_directory_upsert_json failed", pmsg_last_error_message());
    } else if ((st = pmsg_search_json(store, "roy", 1773151200000, &json)) != PMSG_OK) {
        fail("pmsg_search_json failed", pmsg_last_error_message());
    } else if (strstr(json, "\"emr_id\":\"E100\"") == NULL) {
        fail("pmsg_search_json did not find E100", json);
    } else {
        printf("pmsg %s: in-memory store, directory upsert, search found E100\n", pmsg_version());
    }
    pmsg_string_free(json);
    pmsg_close(store);
}

int main(void) {
    /* The SQLite library the host's calls reach is the one its header describes. */
    if (strcmp(sqlite3_libversion(), SQLITE_VERSION) != 0) {
        fprintf(stderr, "static_link: sqlite3_libversion() is %s, <sqlite3.h> is %s\n",
                sqlite3_libversion(), SQLITE_VERSION);
        fail("the host's sqlite3_libversion() is not its own SQLite's", NULL);
    }
    if (strcmp(sqlite3_sourceid(), SQLITE_SOURCE_ID) != 0) {
        fprintf(stderr, "static_link: sqlite3_sourceid() is %s, <sqlite3.h> is %s\n",
                sqlite3_sourceid(), SQLITE_SOURCE_ID);
        fail("the host's sqlite3_sourceid() is not its own SQLite's", NULL);
    }
    host_sqlite("before pmsg");
    pmsg_calls();
    host_sqlite("after pmsg");
    if (failures == 0) {
        printf("static_link: the host's SQLite and pmsg's both work\n");
        return 0;
    }
    fprintf(stderr, "static_link: %d failure(s)\n", failures);
    return 1;
}
