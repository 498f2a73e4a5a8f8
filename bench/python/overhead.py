"""The Python side of pmsg-bench's uniffi_python_overhead_us figure.

    python3 overhead.py BINDINGS_DIR DB BY CONVERSATION NOW_MS LIMIT BATCHES CALLS

BINDINGS_DIR holds the generated ``pmsg.py`` (uniffi library mode) and the
release ``libpmsg_uniffi.so`` beside it, where the module loads it from. Times
``Store.view`` and ``Store.due_events`` on the store pmsg-bench measures,
with the arguments it times directly; after one warm-up batch of each,
prints BATCHES pairs of lines

    view <mean ns per call of a batch of CALLS calls>
    due_events <the same>
"""

import sys
import time


def main(argv):
    if len(argv) != 9:
        sys.exit(__doc__)
    bindings, db, by, conversation = argv[1:5]
    now_ms, limit, batches, calls = (int(a) for a in argv[5:9])
    sys.path.insert(0, bindings)
    import pmsg

    # uniffi 0.32's Python template leaves the API checksum check commented
    # out; bindings/python runs it at import, and so does this.
    pmsg._uniffi_check_api_checksums(pmsg._UniffiLib)
    store = pmsg.Store.open(db)

    def view():
        store.view(by, conversation, now_ms)

    def due_events():
        store.due_events(now_ms, limit)

    def batch(f):
        clock = time.perf_counter_ns
        t = clock()
        for _ in range(calls):
            f()
        return (clock() - t) / calls

    batch(view)
    batch(due_events)
    for _ in range(batches):
        print(f"view {batch(view):.1f}")
        print(f"due_events {batch(due_events):.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
