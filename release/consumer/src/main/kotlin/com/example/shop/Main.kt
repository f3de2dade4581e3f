// A shop's app as a mobile team writes it after adding Loyalty Core by its coordinates alone
// (pom.xml): the generated bindings and the facade from the published jar, the native library
// loaded by JNA from that jar's classpath. Run by release/check.sh twice: as compiled, and after
// shrinking and obfuscation with ProGuard under the library's consumer rules. It exercises what
// JNA reflects on: native methods bound by name (direct mapping), the RustBuffer structure
// (@Structure.FieldOrder), callback interfaces Rust calls (Clock, SecretStore, listeners), the
// async futures' continuation callback, and errors thrown across the boundary.
package com.example.shop

import com.loyaltycore.Clock
import com.loyaltycore.domain.EcLevel
import com.loyaltycore.LoyaltyClient
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.SecretStore
import com.loyaltycore.SyncStatus
import com.loyaltycore.domain.Symbology
import com.loyaltycore.domain.TotpAlgorithm
import com.loyaltycore.domain.TotpParams
import com.loyaltycore.defaultProgrammeRules
import com.loyaltycore.defaultRenderOptions
import com.loyaltycore.defaultTotpParams
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.totpCode
import java.io.File
import java.nio.file.Files
import java.time.Duration
import java.time.Instant
import kotlin.system.exitProcess
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking

private const val CARD_NUMBER = "4006381333931"
// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
private val RFC_SECRET = "12345678901234567890".toByteArray(Charsets.US_ASCII)
private val T0: Instant = Instant.parse("2026-03-01T09:00:00Z")

private class MemorySecrets : SecretStore {
    private val values = HashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = synchronized(values) { values[key] }
    override fun put(key: String, value: ByteArray) { synchronized(values) { values[key] = value } }
    override fun delete(key: String) { synchronized(values) { values.remove(key) } }
    fun size(): Int = synchronized(values) { values.size }
}

private class FixedClock(private val now: Instant) : Clock {
    @Volatile var calls = 0
    override fun now(): Instant { calls++; return now }
}

private var passed = 0
private var failed = 0

private fun check(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok - $name")
    } catch (e: Throwable) {
        failed++
        println("FAILED - $name: $e")
        e.printStackTrace(System.out)
    }
}

private fun expect(condition: Boolean, what: () -> String) {
    if (!condition) throw AssertionError(what())
}

fun main() {
    val dir: File = Files.createTempDirectory("loyalty-consumer").toFile()
    try {
        run(dir)
    } finally {
        dir.deleteRecursively()
    }
    println("Consumer: $passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}

private fun run(dir: File) {
    val secrets = MemorySecrets()
    val clock = FixedClock(T0)

    check("a top-level function: the RFC 6238 SHA-1 vectors") {
        val sha1 = TotpParams(TotpAlgorithm.SHA1, 8u, 30_000uL)
        expect(defaultTotpParams() == sha1) { "default TOTP parameters: ${defaultTotpParams()}" }
        expect(totpCode(RFC_SECRET, sha1, Instant.ofEpochSecond(59)) == "94287082") { "T = 59" }
        expect(totpCode(RFC_SECRET, sha1, Instant.ofEpochSecond(1111111109)) == "07081804") { "T = 1111111109" }
    }

    check("an error across the boundary: a too-short code length is InvalidInput") {
        val e = runCatching { totpCode(RFC_SECRET, TotpParams(TotpAlgorithm.SHA1, 3u, 30_000uL), T0) }.exceptionOrNull()
        expect(e is LoyaltyException.InvalidInput) { "got $e" }
    }

    check("the bindings: open on a temp dir, enrol a card (secret to the app's store), read it back") {
        LoyaltyClient.open(dir.path, defaultProgrammeRules(), clock, secrets).use { client ->
            val card = client.card()
            expect(card.memberCard() == null) { "a fresh store has no card" }
            val e = runCatching { card.tillCard(EcLevel.MEDIUM, defaultRenderOptions()) }.exceptionOrNull()
            expect(e is LoyaltyException.NotFound) { "till card before enrolment: $e" }
            val enrolled = card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            expect(enrolled.cardNumber == CARD_NUMBER) { "enrolled ${enrolled.cardNumber}" }
            expect(secrets.size() > 0) { "the card secret went to the app's SecretStore" }
            val code = card.rotatingCode()
            val totp = totpCode(RFC_SECRET, defaultTotpParams(), T0)
            expect(code.payload.startsWith("LC1:$CARD_NUMBER:") && code.payload.contains(totp)) {
                "payload ${code.payload} (TOTP at T0: $totp)"
            }
            expect(Duration.between(code.validFrom, code.validUntil) == Duration.ofSeconds(30)) { "30 s period" }
            expect(clock.calls > 0) { "the core asked the app's Clock" }
            client.shutdown()
        }
    }

    check("the facade: reopen, the member card, the till QR, Flows, an async sync refused") {
        runBlocking {
            val loyalty = Loyalty.open(dir, secrets, clock = clock)
            try {
                expect(loyalty.memberCard()?.cardNumber == CARD_NUMBER) { "card kept across reopening" }
                val till = loyalty.tillCard()
                val m = till.matrix
                expect(m.symbology == Symbology.QR_CODE) { "symbology ${m.symbology}" }
                expect(m.width == m.height && m.width >= 21u && (m.width.toInt() - 21) % 4 == 0) {
                    "a QR symbol is 21 + 4k modules wide: ${m.width} x ${m.height}"
                }
                expect(m.modules.size == (m.width * m.height).toInt()) { "one byte per module" }
                expect(m.modules.any { it == 1.toByte() } && m.modules.all { it == 0.toByte() || it == 1.toByte() }) {
                    "dark and light modules only"
                }
                expect(till.svg.contains("<svg")) { "an SVG document" }
                expect(loyalty.tillCards().first().code == till.code) { "the Flow's first card is the current one" }
                expect(loyalty.balances.first().available == 0L) { "a listener callback from a core thread" }
                // The core's own async function (a uniffi future, polled through a JNA callback).
                val e = runCatching { loyalty.syncNow() }.exceptionOrNull()
                expect(e is LoyaltyException.Unauthorized) { "sync before enrolment: $e" }
                val state = loyalty.syncStates.first()
                expect(state.status is SyncStatus.Failed) { "the sync state listener reported ${state.status}" }
            } finally {
                loyalty.close()
            }
            val closed = runCatching { loyalty.memberCard() }.exceptionOrNull()
            expect(closed is LoyaltyException.Closed) { "after close: $closed" }
        }
    }
}
