// Minimal harness for the facade's host-JVM tests (no JUnit), in the style of
// tests/kotlin/src/Harness.kt, with coroutine test bodies and an "Android host JVM:" summary line
// (android/check.sh adds the Robolectric tests to it in its final "Android:" line).
//
//   test("name") { ... suspend code ... assertEquals(expected, actual) ... }
//   finish()   // prints failures and "Android host JVM: N passed, N failed", exits 1 on any failure

import kotlin.system.exitProcess
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

private class Failure(val name: String, val error: Throwable)

private val failures = mutableListOf<Failure>()
private var passed = 0

/** A test body longer than this fails (a Flow that never emits must not hang the suite). */
private const val TEST_TIMEOUT_MILLIS = 60_000L

/** Runs one named test in runBlocking with a timeout; any Throwable marks it failed. */
fun test(name: String, body: suspend CoroutineScope.() -> Unit) {
    val started = System.nanoTime()
    try {
        runBlocking { withTimeout(TEST_TIMEOUT_MILLIS) { body() } }
        passed++
        println("ok     $name (${(System.nanoTime() - started) / 1_000_000} ms)")
    } catch (t: Throwable) {
        failures += Failure(name, t)
        println("FAILED $name: $t")
    }
}

fun assertEquals(expected: Any?, actual: Any?, message: String? = null) {
    if (expected != actual) {
        val prefix = if (message != null) "$message: " else ""
        throw AssertionError("${prefix}expected <$expected> but was <$actual>")
    }
}

fun assertTrue(condition: Boolean, message: String = "expected true") {
    if (!condition) throw AssertionError(message)
}

fun <T : Any> assertNotNull(value: T?, message: String = "expected a non-null value"): T =
    value ?: throw AssertionError(message)

/** Asserts that [body] throws a [T] (or a subclass) and returns it. */
suspend inline fun <reified T : Throwable> assertThrows(crossinline body: suspend () -> Unit): T {
    try {
        body()
    } catch (t: Throwable) {
        if (t is T) return t
        throw AssertionError("expected ${T::class.java.name} but ${t.javaClass.name} was thrown: $t", t)
    }
    throw AssertionError("expected ${T::class.java.name} but nothing was thrown")
}

/** Prints failures with their stack traces and the summary line; exits 1 if anything failed. */
fun finish(): Nothing {
    for (f in failures) {
        System.out.flush()
        println()
        println("--- FAILED: ${f.name}")
        f.error.printStackTrace(System.out)
    }
    if (failures.isNotEmpty()) println()
    println("Android host JVM: $passed passed, ${failures.size} failed")
    System.out.flush()
    if (passed + failures.size == 0) {
        System.err.println("no Android host test ran")
        exitProcess(1)
    }
    exitProcess(if (failures.isEmpty()) 0 else 1)
}
