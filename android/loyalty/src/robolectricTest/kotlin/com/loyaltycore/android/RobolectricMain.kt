// The runner android/check.sh starts: JUnit 4 over the Robolectric test classes named on the command
// line, one line per test, the failures with their traces, and the summary line
// "Robolectric: N passed, N failed" from JUnit's own result. Exits 1 on a failure or when nothing ran.

package com.loyaltycore.android

import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

private class Lines : RunListener() {
    private val started = HashMap<Description, Long>()

    /** Tests with at least one failure (a test failing in its body and its @After counts once). */
    val failed = LinkedHashSet<Description>()
    val skipped = LinkedHashSet<Description>()

    override fun testStarted(description: Description) {
        started[description] = System.nanoTime()
    }

    override fun testFailure(failure: Failure) {
        failed += failure.description
        println("FAILED ${failure.description.displayName}: ${failure.exception}")
    }

    override fun testAssumptionFailure(failure: Failure) {
        skipped += failure.description
        println("SKIPPED ${failure.description.displayName}: ${failure.message}")
    }

    override fun testFinished(description: Description) {
        if (description in failed || description in skipped) return
        val ms = (System.nanoTime() - (started[description] ?: System.nanoTime())) / 1_000_000
        println("ok     ${description.displayName} ($ms ms)")
    }
}

fun main(args: Array<String>) {
    require(args.isNotEmpty()) { "usage: RobolectricMainKt TEST_CLASS..." }
    val core = JUnitCore()
    val lines = Lines()
    core.addListener(lines)
    val result = core.run(*args.map { Class.forName(it) }.toTypedArray())
    for (f in result.failures) {
        println()
        println("--- FAILED: ${f.description.displayName}")
        println(f.trace)
    }
    // JUnit's own counts: runCount is every test that finished, failures are per test.
    val failed = lines.failed.size
    val skipped = (lines.skipped - lines.failed).size + result.ignoreCount
    val passed = result.runCount - failed - (lines.skipped - lines.failed).size
    println()
    println("Robolectric: $passed passed, $failed failed" + if (skipped > 0) ", $skipped skipped" else "")
    System.out.flush()
    exitProcess(if (failed == 0 && result.failureCount == 0 && passed > 0) 0 else 1)
}
