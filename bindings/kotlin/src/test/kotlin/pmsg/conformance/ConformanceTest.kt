package pmsg.conformance

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.fail
import java.io.File

/**
 * The conformance scenarios (tests/conformance/FORMAT.md), one dynamic test
 * per file: prints `PASS <file>` or `FAIL <file>: step <i> (<op>): <why>` for
 * each, in order, and `N passed, M failed` last.
 *
 * The files come from the system property `pmsg.scenarios` (files or
 * folders separated by ':'); empty means the project's own scenarios.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceTest {
    private var passed = 0
    private var failed = 0

    private fun paths(): List<String> {
        val given = System.getProperty("pmsg.scenarios").orEmpty()
        if (given.isNotBlank()) return given.split(File.pathSeparator).filter { it.isNotEmpty() }
        val root = System.getProperty("pmsg.root") ?: "../.."
        return listOf(File(root, "tests/conformance/scenarios").canonicalPath)
    }

    @TestFactory
    fun scenarios(): List<DynamicTest> = scenarioFiles(paths()).map { file ->
        DynamicTest.dynamicTest(file.name) {
            val why = runFile(file)
            if (why == null) {
                passed++
                println("PASS ${file.path}")
            } else {
                failed++
                println("FAIL ${file.path}: $why")
                fail(why)
            }
        }
    }

    @AfterAll
    fun total() {
        println("$passed passed, $failed failed")
        System.out.flush()
    }
}
