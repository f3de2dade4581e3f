// The card at the till through the bindings: member card codes, rendering, TOTP, the till's
// verification, imported cards and signed voucher codes.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.nio.file.Files
import java.time.Duration
import java.time.Instant

private val CARD_T0: Instant = Instant.parse("2026-03-01T09:00:00Z")
private const val CARD_NUMBER = "4006381333931"
// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
private val RFC_SECRET = "12345678901234567890".toByteArray(Charsets.US_ASCII)

/** The app's keystore, in memory for the tests. */
class MemorySecrets : SecretStore {
    val values = HashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = values[key]
    override fun put(key: String, value: ByteArray) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}

/** A keystore that is locked: every call fails. */
class LockedSecrets : SecretStore {
    override fun get(key: String): ByteArray? = throw SecretStoreException.Failed("keystore locked")
    override fun put(key: String, value: ByteArray) = throw SecretStoreException.Failed("keystore locked")
    override fun delete(key: String) = throw SecretStoreException.Failed("keystore locked")
}

private fun withCardClient(
    secrets: SecretStore? = MemorySecrets(),
    body: (LoyaltyClient, TestClock) -> Unit,
) {
    val dir = Files.createTempDirectory("loyalty-card")
    val clock = TestClock(CARD_T0)
    try {
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), clock, secrets).use { client ->
            body(client, clock)
            client.shutdown()
        }
    } finally {
        dir.toFile().deleteRecursively()
    }
}

private fun refusal(v: TillVerdict): Refusal? = (v as? TillVerdict.Refused)?.refusal

fun cardTests() {
    test("TOTP matches the RFC 6238 vectors") {
        val sha1 = TotpParams(TotpAlgorithm.SHA1, 8u, 30_000uL)
        assertEquals(sha1, defaultTotpParams())
        assertEquals("94287082", totpCode(RFC_SECRET, sha1, Instant.ofEpochSecond(59)))
        assertEquals("07081804", totpCode(RFC_SECRET, sha1, Instant.ofEpochSecond(1111111109)))
        assertEquals("65353130", totpCode(RFC_SECRET, sha1, Instant.ofEpochSecond(20000000000)))
        val seed32 = "12345678901234567890123456789012".toByteArray(Charsets.US_ASCII)
        assertEquals("46119246", totpCode(seed32, TotpParams(TotpAlgorithm.SHA256, 8u, 30_000uL), Instant.ofEpochSecond(59)))
        assertEquals(32, newTotpSecret(TotpAlgorithm.SHA256).size)
        assertThrows<LoyaltyException.InvalidInput> { totpCode(RFC_SECRET, TotpParams(TotpAlgorithm.SHA1, 3u, 30_000uL), CARD_T0) }
        assertThrows<LoyaltyException.InvalidInput> { totpCode(ByteArray(4), sha1, CARD_T0) }
    }
    test("the rotating code changes with the clock and stays constant within a period") {
        withCardClient { client, clock ->
            val card = client.card()
            assertEquals(null, card.memberCard())
            val enrolled = card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            assertEquals(CARD_NUMBER, enrolled.cardNumber)
            assertEquals(enrolled, card.memberCard())
            val first = card.rotatingCode()
            assertTrue(first.payload.startsWith("LC1:$CARD_NUMBER:"), "payload format")
            assertEquals(Duration.ofSeconds(30), Duration.between(first.validFrom, first.validUntil))
            clock.advance(Duration.ofSeconds(10))
            assertEquals(first, card.rotatingCode(), "same period, same code")
            clock.advance(Duration.ofSeconds(30))
            val next = card.rotatingCode()
            assertNotEquals(first.payload, next.payload)
            assertEquals(first.counter + 1uL, next.counter)
        }
    }
    test("the till card: a QR matrix of the right size, an SVG, and the static code") {
        withCardClient { client, _ ->
            val card = client.card()
            assertThrows<LoyaltyException.NotFound> { card.tillCard(EcLevel.MEDIUM, defaultRenderOptions()) }
            card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            val till = card.tillCard(EcLevel.MEDIUM, defaultRenderOptions())
            val m = till.matrix
            assertEquals(Symbology.QR_CODE, m.symbology)
            assertEquals(m.width, m.height)
            assertTrue((m.width.toInt() - 21) % 4 == 0 && m.width >= 21u, "a QR symbol is 21 + 4k modules wide")
            assertEquals((m.width * m.height).toInt(), m.modules.size)
            assertTrue(m.modules.all { it == 0.toByte() || it == 1.toByte() })
            assertTrue(till.svg.startsWith("<svg") || till.svg.startsWith("<?xml"), "an SVG document")
            val ean = card.staticCode(Symbology.EAN13, EcLevel.MEDIUM)
            assertEquals(1u, ean.height)
            assertEquals(95u, ean.width, "EAN-13 is 95 modules wide")
            val staticQr = card.staticCode(Symbology.QR_CODE, EcLevel.MEDIUM)
            assertTrue(staticQr.width < m.width, "the bare card number needs a smaller QR than the rotating payload")
            val png = barcodePng(ean, defaultRenderOptions())
            assertEquals(listOf(0x89, 0x50, 0x4E, 0x47), png.take(4).map { it.toInt() and 0xff })
        }
    }
    test("the Google Wallet rotatingBarcode computes the same code as the app") {
        withCardClient { client, clock ->
            val card = client.card()
            card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            val json = card.googleRotatingBarcode()
            assertTrue(json.contains("\"periodMillis\":\"30000\""), json.replace(Regex("\"key\":\"[0-9A-F]+\""), "\"key\":…"))
            assertTrue(json.contains("TOTP_SHA1"))
            val code = card.rotatingCode()
            // Google renders at generation time; our payload states the step start: same code then.
            assertEquals(code.payload, googleRotatingBarcodeValue(json, code.validFrom))
            assertThrows<LoyaltyException.InvalidInput> { googleRotatingBarcodeValue("{\"type\":\"QR_CODE\"}", clock.now) }
        }
    }
    test("the till accepts a fresh code once and refuses forged, replayed, foreign and stale ones") {
        withCardClient { client, clock ->
            val card = client.card()
            card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            val till = TillVerifier(defaultTotpParams(), 30u, 30u, 1000u)
            val code = card.rotatingCode().payload
            val ok = till.verify(code, CARD_NUMBER, RFC_SECRET, clock.now)
            assertTrue(ok is TillVerdict.Accepted, "$ok")
            assertEquals(Refusal.REPLAYED, refusal(till.verify(code, CARD_NUMBER, RFC_SECRET, clock.now)))
            val parts = code.split(":").toMutableList()
            parts[2] = parts[2].map { if (it == '9') '0' else it + 1 }.joinToString("")
            clock.advance(Duration.ofSeconds(30))
            val fresh = card.rotatingCode().payload
            val forged = fresh.split(":").toMutableList().also { it[2] = parts[2] }.joinToString(":")
            assertEquals(Refusal.FORGED, refusal(till.verify(forged, CARD_NUMBER, RFC_SECRET, clock.now)))
            assertEquals(Refusal.WRONG_MEMBER, refusal(till.verify(fresh, "1234567890128", RFC_SECRET, clock.now)))
            assertEquals(Refusal.NOT_ROTATING, refusal(till.verify(CARD_NUMBER, CARD_NUMBER, RFC_SECRET, clock.now)))
            assertEquals(Refusal.MALFORMED, refusal(till.verify("LC1:not:a:code", CARD_NUMBER, RFC_SECRET, clock.now)))
            // A screenshot shown five minutes later.
            val stale = till.verify(fresh, CARD_NUMBER, RFC_SECRET, clock.now.plus(Duration.ofMinutes(5)))
            assertEquals(Refusal.EXPIRED, refusal(stale))
            assertTrue((stale as TillVerdict.Refused).reason.isNotBlank())
            assertFalse(stale.reason.contains(CARD_NUMBER), "no card number in reasons")
            assertEquals(Refusal.FROM_THE_FUTURE, refusal(till.verify(fresh, CARD_NUMBER, RFC_SECRET, clock.now.minus(Duration.ofMinutes(5)))))
            assertTrue(till.verify(fresh, CARD_NUMBER, RFC_SECRET, clock.now) is TillVerdict.Accepted)
            assertThrows<LoyaltyException.InvalidInput> { TillVerifier(defaultTotpParams(), 3600u, 30u, 10u) }
        }
    }
    test("encoding validates input per symbology; PNG and SVG render any matrix") {
        for (s in Symbology.entries) {
            assertEquals(s, symbologyFromCatimaName(symbologyCatimaName(s)))
        }
        assertEquals(Symbology.EAN13, symbologyFromCatimaName("EAN_13"))
        assertEquals(null, symbologyFromCatimaName("EAN-13"))
        val e = assertThrows<LoyaltyException.InvalidInput> { encodeBarcode("4006381333932", Symbology.EAN13, EcLevel.MEDIUM) }
        assertTrue(e.reason.contains("check digit"), e.reason)
        assertThrows<LoyaltyException.InvalidInput> { encodeBarcode("40063813339AB", Symbology.EAN13, EcLevel.MEDIUM) }
        assertThrows<LoyaltyException.InvalidInput> { encodeBarcode("", Symbology.QR_CODE, EcLevel.MEDIUM) }
        assertThrows<LoyaltyException.InvalidInput> { encodeBarcode("123", Symbology.ITF, EcLevel.MEDIUM) }
        val qr = encodeBarcode("héllo wörld", Symbology.QR_CODE, EcLevel.HIGH)
        val options = defaultRenderOptions()
        assertTrue(barcodeSvg(qr, options.copy(darkMode = true)).contains("<svg"))
        val small = barcodePng(qr, options.copy(scale = 1u, quietZone = 0u))
        val big = barcodePng(qr, options.copy(scale = 8u, quietZone = 4u))
        assertTrue(big.size > small.size)
        assertThrows<LoyaltyException.InvalidInput> { barcodePng(qr.copy(modules = ByteArray(3)), options) }
        assertThrows<LoyaltyException.InvalidInput> { barcodeSvg(qr.copy(modules = ByteArray(qr.modules.size) { 7 }), options) }
    }
    test("imported cards keep their own symbology") {
        withCardClient { client, _ ->
            val card = client.card()
            val bakery = ImportedCard("c1", "Bakery", "12345678", null, Symbology.CODE39, "Stamp card\nsecond line", -16776961)
            assertEquals(bakery, card.addImported(bakery))
            card.addImported(ImportedCard("c2", "Library", "L-99", null, null, null, null))
            assertEquals(listOf("c1", "c2"), card.imported().map { it.id })
            assertEquals(Symbology.CODE39, card.importedCode("c1", EcLevel.MEDIUM).symbology)
            assertThrows<LoyaltyException.InvalidInput> { card.importedCode("c2", EcLevel.MEDIUM) }
            assertThrows<LoyaltyException.NotFound> { card.importedCode("nope", EcLevel.MEDIUM) }
            assertThrows<LoyaltyException.InvalidInput> { card.addImported(bakery.copy(cardId = "")) }
            assertTrue(card.removeImported("c1"))
            assertFalse(card.removeImported("c1"))
        }
    }
    test("card secrets need a secret store; a failing store is a Storage error; forget removes both") {
        withCardClient(secrets = null) { client, _ ->
            assertThrows<LoyaltyException.InvalidInput> { client.card().enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams()) }
        }
        withCardClient(secrets = LockedSecrets()) { client, _ ->
            val e = assertThrows<LoyaltyException.Storage> { client.card().enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams()) }
            assertFalse(e.reason.contains("keystore"), "the app's own reason stays out of the error")
        }
        val secrets = MemorySecrets()
        withCardClient(secrets = secrets) { client, _ ->
            val card = client.card()
            assertThrows<LoyaltyException.InvalidInput> { card.enrol("no spaces allowed", RFC_SECRET, defaultTotpParams()) }
            assertThrows<LoyaltyException.InvalidInput> { card.enrol(CARD_NUMBER, ByteArray(8), defaultTotpParams()) }
            card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            assertEquals(1, secrets.values.size)
            card.forget()
            assertTrue(secrets.values.isEmpty())
            assertEquals(null, card.memberCard())
            assertThrows<LoyaltyException.NotFound> { card.rotatingCode() }
            assertThrows<LoyaltyException.NotFound> { card.staticCode(Symbology.CODE128, EcLevel.LOW) }
            assertThrows<LoyaltyException.NotFound> { card.googleRotatingBarcode() }
        }
    }
    test("signed voucher codes verify offline and refuse tampering and the wrong window") {
        val keys = newVoucherKeyPair()
        assertEquals(64, keys.publicKeyHex.length)
        val voucher = Voucher(
            id = "v-1", kind = VoucherKind.AmountOff(Money(500, "EUR"), null), title = "€5 off",
            description = null, code = "", validFrom = CARD_T0, validUntil = CARD_T0.plus(Duration.ofDays(30)),
            state = VoucherState.Available, signature = null,
        )
        val code = signVoucherCode(voucher, keys.signingKeyHex)
        assertTrue(code.startsWith("LCV1."))
        val ok = verifyVoucherCode(code, keys.publicKeyHex, CARD_T0.plusSeconds(60))
        assertEquals(VoucherVerdict.Valid("v-1", voucher.kind, "€5 off", voucher.validFrom, voucher.validUntil), ok)
        val tampered = code.substring(0, 10) + (if (code[10] == 'A') 'B' else 'A') + code.substring(11)
        assertEquals(VoucherRefusal.BAD_SIGNATURE, (verifyVoucherCode(tampered, keys.publicKeyHex, CARD_T0) as VoucherVerdict.Refused).refusal)
        val other = newVoucherKeyPair()
        assertEquals(VoucherRefusal.BAD_SIGNATURE, (verifyVoucherCode(code, other.publicKeyHex, CARD_T0) as VoucherVerdict.Refused).refusal)
        assertEquals(VoucherRefusal.EXPIRED, (verifyVoucherCode(code, keys.publicKeyHex, CARD_T0.plus(Duration.ofDays(31))) as VoucherVerdict.Refused).refusal)
        assertEquals(VoucherRefusal.NOT_YET_VALID, (verifyVoucherCode(code, keys.publicKeyHex, CARD_T0.minusSeconds(1)) as VoucherVerdict.Refused).refusal)
        assertEquals(VoucherRefusal.MALFORMED, (verifyVoucherCode("LCV1.x", keys.publicKeyHex, CARD_T0) as VoucherVerdict.Refused).refusal)
        assertThrows<LoyaltyException.InvalidInput> { verifyVoucherCode(code, "zz", CARD_T0) }
        assertThrows<LoyaltyException.InvalidInput> { signVoucherCode(voucher, "00") }
    }
    test("the card and chosen vouchers in one code: the till takes the card and each voucher once") {
        withCardClient { client, clock ->
            val keys = newVoucherKeyPair()
            client.wallet().setRetailerKey(keys.publicKeyHex)
            val card = client.card()
            card.enrol(CARD_NUMBER, RFC_SECRET, defaultTotpParams())
            for (id in listOf("v-a", "v-b")) {
                val v = Voucher(
                    id = id, kind = VoucherKind.AmountOff(Money(500, "EUR"), null), title = "€5 off",
                    description = null, code = "", validFrom = CARD_T0, validUntil = CARD_T0.plus(Duration.ofDays(30)),
                    state = VoucherState.Available, signature = null,
                )
                client.wallet().add(v.copy(code = signVoucherCode(v, keys.signingKeyHex)))
            }
            val combined = card.combinedTillCard(listOf("v-a", "v-b"), EcLevel.MEDIUM, defaultRenderOptions())
            assertTrue(combined.payload.startsWith("LCC1 LC1:$CARD_NUMBER:"), "combined payload")
            assertEquals(listOf("v-a", "v-b"), combined.vouchers.map { it.id })
            assertEquals(combined.code.validUntil, combined.redrawAt)
            assertEquals(Symbology.QR_CODE, combined.matrix.symbology)
            assertEquals(CARD_NUMBER, scannedCardNumber(combined.payload))
            assertEquals(null, scannedCardNumber("hello"))

            val till = TillVerifier(defaultTotpParams(), 30u, 30u, 1000u)
            val verdict = till.verifyCombined(combined.payload, CARD_NUMBER, RFC_SECRET, keys.publicKeyHex, clock.now)
            val accepted = verdict as CombinedTillVerdict.Accepted
            assertEquals(listOf("v-a", "v-b"), accepted.vouchers.map { (it as ChosenVoucherVerdict.Taken).voucherId })
            val again = till.verifyCombined(combined.payload, CARD_NUMBER, RFC_SECRET, keys.publicKeyHex, clock.now)
            assertEquals(Refusal.REPLAYED, (again as CombinedTillVerdict.Refused).refusal)
            // Next period, same vouchers: the card passes, the vouchers were already taken here.
            clock.advance(Duration.ofSeconds(30))
            val next = card.combinedTillCard(listOf("v-b"), EcLevel.LOW, defaultRenderOptions())
            val second = till.verifyCombined(next.payload, CARD_NUMBER, RFC_SECRET, keys.publicKeyHex, clock.now) as CombinedTillVerdict.Accepted
            val taken = second.vouchers.single() as ChosenVoucherVerdict.AlreadyTaken
            assertEquals("v-b", taken.voucherId)
            assertTrue(taken.reason.isNotBlank())
            // The cashier voids the sale: the voucher can be used in the next one.
            assertTrue(till.releaseVoucher("v-b"))
            assertFalse(till.releaseVoucher("v-b"))
            assertThrows<LoyaltyException.NotFound> { card.combinedTillCard(listOf("v-nope"), EcLevel.MEDIUM, defaultRenderOptions()) }
            assertThrows<LoyaltyException.InvalidInput> { card.combinedTillCard(emptyList(), EcLevel.MEDIUM, defaultRenderOptions()) }
            assertThrows<LoyaltyException.InvalidInput> { till.verifyCombined(next.payload, CARD_NUMBER, RFC_SECRET, "zz", clock.now) }
        }
    }
}
