// Entry point of the Android layer's host-JVM tests (android/check.sh): the Kotlin facade end to
// end against the real library and the reference server.

fun main() {
    facadeTests()
    finish()
}
