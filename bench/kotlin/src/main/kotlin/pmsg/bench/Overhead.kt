// The Kotlin side of pmsg-bench's uniffi_kotlin_overhead_us figure (see
// ../../../../../pom.xml): times Store.view and Store.dueEvents through the
// uniffi bindings on the store pmsg-bench measures, with the arguments it
// times directly. After WARMUP unrecorded calls of each (JIT), prints
// BATCHES pairs of lines
//
//   view <mean ns per call of a batch of CALLS calls>
//   due_events <the same>
package pmsg.bench

import pmsg.Store
import kotlin.system.exitProcess

fun main(args: Array<String>) {
    if (args.size != 8) {
        System.err.println("usage: Overhead DB BY CONVERSATION NOW_MS LIMIT BATCHES CALLS WARMUP")
        exitProcess(2)
    }
    val (db, by, conversation) = args
    val nowMs = args[3].toLong()
    val limit = args[4].toLong()
    val batches = args[5].toInt()
    val calls = args[6].toInt()
    val warmup = args[7].toInt()

    // Opening the store loads the library and runs uniffi's contract and
    // API checksum checks.
    Store.open(db).use { store ->
        val view = { store.view(by, conversation, nowMs) }
        val dueEvents = { store.dueEvents(nowMs, limit) }
        fun batch(f: () -> Any, n: Int = calls): Double {
            val t = System.nanoTime()
            repeat(n) { f() }
            return (System.nanoTime() - t).toDouble() / n
        }
        batch(view, warmup)
        batch(dueEvents, warmup)
        val out = StringBuilder()
        repeat(batches) {
            out.append("view %.1f\n".format(batch(view)))
            out.append("due_events %.1f\n".format(batch(dueEvents)))
        }
        print(out)
        System.out.flush()
    }
}
