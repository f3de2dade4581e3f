// Minimal test harness for the Kotlin binding tests (no JUnit).
//
//   test("name") { ... assertEquals(expected, actual) ... }
//   finish()   // prints failures and "Kotlin: N passed, N failed", exits 1 on any failure
//
// Every test body runs inside try/catch: one failing test never stops the others.

import kotlin.system.exitProcess

private class Failure(val name: String, val error: Throwable)

private val failures = mutableListOf<Failure>()
private var passed = 0

/** Runs one named test; any Throwable (assertion or not) marks it failed. */
fun test(name: String, body: () -> Unit) {
    val started = System.nanoTime()
    try {
        body()
        passed++
        println("ok     $name (${(System.nanoTime() - started) / 1_000_000} ms)")
    } catch (t: Throwable) {
        failures += Failure(name, t)
        println("FAILED $name: $t")
    }
}

fun fail(message: String): Nothing = throw AssertionError(message)

fun assertEquals(expected: Any?, actual: Any?, message: String? = null) {
    if (expected != actual) {
        val prefix = if (message != null) "$message: " else ""
        throw AssertionError("${prefix}expected <$expected> but was <$actual>")
    }
}

fun assertNotEquals(unexpected: Any?, actual: Any?, message: String? = null) {
    if (unexpected == actual) {
        val prefix = if (message != null) "$message: " else ""
        throw AssertionError("${prefix}expected a value other than <$actual>")
    }
}

fun assertTrue(condition: Boolean, message: String = "expected true") {
    if (!condition) throw AssertionError(message)
}

fun assertFalse(condition: Boolean, message: String = "expected false") {
    if (condition) throw AssertionError(message)
}

fun <T : Any> assertNotNull(value: T?, message: String = "expected a non-null value"): T =
    value ?: throw AssertionError(message)

/** Asserts that [body] throws a [T] (or a subclass) and returns it for further checks. */
inline fun <reified T : Throwable> assertThrows(body: () -> Unit): T {
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
    println("Kotlin: $passed passed, ${failures.size} failed")
    System.out.flush()
    if (passed + failures.size == 0) {
        System.err.println("no Kotlin test ran")
        exitProcess(1)
    }
    exitProcess(if (failures.isEmpty()) 0 else 1)
}
