// The Kotlin facade (com.loyaltycore.facade.Loyalty) end to end on the host JVM: the real
// library, the real reference server on loopback (started by android/check.sh), the real sled
// database in a temporary directory. Suspend functions, the Flows over the core's listeners, the
// till card's rotation, the wallet, receipts, reminders, pushes and closing.

import com.loyaltycore.domain.Consent
import com.loyaltycore.LoyaltyClient
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.domain.OfferState
import com.loyaltycore.PushOutcome
import com.loyaltycore.SecretStore
import com.loyaltycore.SyncState
import com.loyaltycore.SyncStatus
import com.loyaltycore.TillCard
import com.loyaltycore.domain.TotpAlgorithm
import com.loyaltycore.domain.TotpParams
import com.loyaltycore.domain.VoucherState
import com.loyaltycore.defaultProgrammeRules
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.newTotpSecret
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.flow.transformWhile
import kotlinx.coroutines.withTimeout

private val SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val TILL_TOKEN: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val http: HttpClient = HttpClient.newHttpClient()

/** The device keystore stand-in: a map (KeystoreSecretStore is the Android one). */
private class MemorySecrets : SecretStore {
    private val values = ConcurrentHashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = values[key]
    override fun put(key: String, value: ByteArray) {
        values[key] = value
    }
    override fun delete(key: String) {
        values.remove(key)
    }
}

/** The retailer's back office: an admin call to the reference server. */
private fun admin(path: String, json: String): String {
    val request = HttpRequest.newBuilder(URI.create(SERVER + path))
        .header("Authorization", "Bearer $TILL_TOKEN")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build()
    val response = http.send(request, HttpResponse.BodyHandlers.ofString())
    assertTrue(response.statusCode() in 200..299, "admin $path: ${response.statusCode()} ${response.body()}")
    return response.body()
}

private fun issueVoucher(memberId: String, title: String): String {
    val body = admin(
        "/v1/admin/members/$memberId/vouchers",
        """{"kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"}}, "title": "$title", "valid_until": "2030-01-01T00:00:00Z"}""",
    )
    return Regex("\"id\"\\s*:\\s*\"([^\"]+)\"").find(body)?.groupValues?.get(1) ?: error("no voucher id in $body")
}

/** A fresh device: its own data directory and keystore; the facade is closed afterwards. */
private suspend fun withDevice(body: suspend (Loyalty, File, SecretStore) -> Unit) {
    val dir = Files.createTempDirectory("loyalty-android").toFile()
    val secrets = MemorySecrets()
    try {
        Loyalty.open(dir, secrets).use { loyalty -> body(loyalty, dir, secrets) }
    } finally {
        dir.deleteRecursively()
    }
}

fun facadeTests() {
    test("enrol and sync through suspend functions; the syncStates Flow sees Idle, Syncing, Idle") {
        withDevice { loyalty, _, _ ->
            assertTrue(!loyalty.isSignedIn())
            val enrolment = loyalty.enrol(SERVER, "Android shopper")
            assertTrue(loyalty.isSignedIn())
            assertEquals(enrolment.householdCode, loyalty.householdCode())
            val card = assertNotNull(loyalty.memberCard(), "the card comes with enrolment")
            assertEquals(enrolment.card, card)

            // Collect until the Flow has shown a sync running and then idle again.
            val seen = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                var syncing = false
                loyalty.syncStates.transformWhile { state ->
                    emit(state)
                    if (state.status is SyncStatus.Syncing) syncing = true
                    !(syncing && state.status == SyncStatus.Idle)
                }.toList()
            }
            // The listener registered (the current state arrived) before the sync starts.
            loyalty.syncStates.first()
            admin("/v1/admin/members/${enrolment.memberId}/points", """{"points": 250, "kind": "adjust"}""")
            val report = loyalty.syncNow()
            assertTrue(!report.cancelled)
            assertEquals(1u, report.ledgerApplied)
            val states: List<SyncState> = seen.await()
            assertEquals(SyncStatus.Idle, states.first().status, "the current state comes first: $states")
            assertTrue(states.any { it.status is SyncStatus.Syncing }, "$states")
            assertEquals(SyncStatus.Idle, states.last().status)
            assertNotNull(states.last().lastSyncedAt)
            assertEquals(250L, loyalty.balance().confirmed)
            assertNotNull(loyalty.tier().tier)
            val entries = loyalty.recentEntries(10)
            assertTrue(entries.isNotEmpty())
            // The store's adjustment has no description and is about no receipt or offer: the
            // app names it by its kind.
            assertEquals(emptyMap<ULong, String>(), loyalty.describeEntries(entries, "nl-BE"))
        }
    }
    test("the till card: a QR module matrix for the rotating payload") {
        withDevice { loyalty, _, _ ->
            val enrolment = loyalty.enrol(SERVER, null)
            val till = loyalty.tillCard()
            val number = assertNotNull(enrolment.card).cardNumber
            assertTrue(till.code.payload.startsWith("LC1:$number:"), till.code.payload)
            assertEquals(till.matrix.width.toInt() * till.matrix.height.toInt(), till.matrix.modules.size)
            assertTrue(till.matrix.modules.all { it == 0.toByte() || it == 1.toByte() })
            assertTrue(till.code.validUntil.isAfter(till.code.validFrom))
        }
    }
    test("tillCards re-issues the code at each rotation (30 s period, injected clock)") {
        val dir = Files.createTempDirectory("loyalty-android-card").toFile()
        val secrets = MemorySecrets()
        // The core's clock, moved by the test: the Flow reads it, never the wall clock.
        val clock = ManualClock(Instant.parse("2026-11-23T10:00:05Z"))
        try {
            // A card enrolled locally with a 30-second period, then the facade on the same data.
            LoyaltyClient.open(dir.path, defaultProgrammeRules(), clock, secrets).use { client ->
                client.card().use { card ->
                    card.enrol("2400000000017", newTotpSecret(TotpAlgorithm.SHA1), TotpParams(TotpAlgorithm.SHA1, 8u, 30_000uL))
                }
                client.shutdown()
            }
            Loyalty.open(dir, secrets, clock = clock).use { loyalty ->
                // Each code on screen moves the clock to the end of its period; the Flow then
                // issues the next one (after its minimum redraw interval, not a period).
                val cards: List<TillCard> = loyalty.tillCards()
                    .onEach { clock.set(it.code.validUntil) }
                    .take(3)
                    .toList()
                assertEquals(
                    listOf("2026-11-23T10:00:00Z", "2026-11-23T10:00:30Z", "2026-11-23T10:01:00Z"),
                    cards.map { it.code.validFrom.toString() },
                )
                assertEquals(3, cards.map { it.code.counter }.toSet().size, "a new code per period: $cards")
                assertEquals(cards[0].code.validUntil, cards[1].code.validFrom, "redrawn at validUntil")
                assertTrue(cards.all { it.code.payload.startsWith("LC1:2400000000017:") })
            }
        } finally {
            dir.deleteRecursively()
        }
    }
    test("wallet: the server's voucher arrives by sync, redeem shows its code, sync resolves it; Flows follow") {
        withDevice { loyalty, _, _ ->
            val enrolment = loyalty.enrol(SERVER, null)
            val voucherId = issueVoucher(enrolment.memberId, "€5 off")
            admin("/v1/admin/members/${enrolment.memberId}/points", """{"points": 120, "kind": "adjust"}""")
            // The balance Flow: the balance now, then the synced one.
            val balances = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.balances.first { it.confirmed == 120L }
            }
            loyalty.syncNow()
            assertEquals(120L, balances.await().confirmed)
            assertEquals(listOf(voucherId), loyalty.usableVouchers().map { it.id })

            val redeeming = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.wallets.first { list -> list.any { it.id == voucherId && it.state is VoucherState.Redeeming } }
            }
            val redemption = loyalty.redeem(voucherId)
            assertTrue(redemption.voucher.code.startsWith("LCV1."), "the signed code to show at the till")
            assertTrue(redemption.voucher.state is VoucherState.Redeeming)
            redeeming.await()
            assertThrows<LoyaltyException.Conflict> { loyalty.redeem(voucherId) }

            val report = loyalty.syncNow()
            assertEquals(1u, report.outboxResolved)
            assertTrue(loyalty.voucher(voucherId).state is VoucherState.Redeemed)
            assertTrue(loyalty.usableVouchers().isEmpty())
        }
    }
    test("receipts by sync, reminders settings and plan, a push through the policy") {
        withDevice { loyalty, _, _ ->
            val enrolment = loyalty.enrol(SERVER, null)
            val receiptId = "android-" + System.nanoTime()
            admin(
                "/v1/admin/members/${enrolment.memberId}/receipts",
                """{"receipt": {"id": "$receiptId", "store_name": "Store 12", "purchased_at": "2026-03-01T09:00:00Z",
                   "lines": [{"gtin": "4006381333931", "name": "Dog food", "quantity": 2, "unit_price": {"amount_minor": 2499, "currency": "EUR"}, "category": "Pet food"}],
                   "source": "till"}}""",
            )
            val lists = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.receiptLists.first { list -> list.any { it.id == receiptId } }
            }
            loyalty.syncNow()
            assertEquals(listOf(receiptId), lists.await().map { it.id })
            assertEquals("Dog food", loyalty.receipt(receiptId).lines.single().name)
            assertTrue(loyalty.returnUntil(receiptId).isAfter(loyalty.receipt(receiptId).purchasedAt))

            val settings = loyalty.reminderSettings().copy(language = "nl", consent = Consent(marketing = true, service = true, safety = true), quietHours = null)
            loyalty.setReminderSettings(settings)
            assertEquals(settings, loyalty.reminderSettings())
            loyalty.setReminderContext(loyalty.reminderContext().copy(localUtcOffsetMinutes = 60))
            val before = loyalty.reminderPlan()
            assertTrue(before.items.all { it.reason.isNotBlank() }, "each reminder says why")

            val push = """{"version": 1, "type": "message", "id": "android-spring", "category": "marketing",
                "title": {"en": "Spring sale", "nl": "Lenteactie"}, "body": {"en": "20% off garden", "nl": "20% korting op tuin"}}"""
            val shown = loyalty.receivePush(push)
            assertTrue(shown is PushOutcome.Show, "$shown")
            val n = (shown as PushOutcome.Show).notification
            assertEquals("Lenteactie", n.title)
            loyalty.markDelivered(n)
            loyalty.setReminderSettings(settings.copy(consent = Consent(marketing = false, service = true, safety = true)))
            assertTrue(loyalty.receivePush(push.replace("android-spring", "android-spring-2")) is PushOutcome.Suppressed)
            assertThrows<LoyaltyException.InvalidInput> { loyalty.receivePush("{\"version\": 1") }
        }
    }
    test("shopping list and offers: added, checked and activated through the facade; their Flows follow") {
        withDevice { loyalty, _, _ ->
            val enrolment = loyalty.enrol(SERVER, null)
            val until = Instant.now().plusSeconds(7L * 24 * 3600)
            val offerId = Regex("\"id\"\\s*:\\s*\"([^\"]+)\"").find(
                admin(
                    "/v1/admin/offers",
                    """{"title": {"nl": "Koffie -20%", "fr": "Café -20%", "en": "Coffee -20%"},
                       "kind": {"type": "percent_off", "target": {"type": "product", "gtin": "4006381333931"}, "percent": 20},
                       "valid_until": "$until", "activation": "opt_in", "limit": "once_per_member",
                       "member_id": "${enrolment.memberId}"}""",
                ),
            )?.groupValues?.get(1) ?: error("no offer id")
            val offered = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.offerLists.first { list -> list.any { it.offer.id == offerId } }
            }
            loyalty.syncNow()
            assertEquals(OfferState.AVAILABLE, offered.await().single { it.offer.id == offerId }.state)
            val activated = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.offerLists.first { list -> list.any { it.offer.id == offerId && it.state == OfferState.ACTIVATED } }
            }
            assertEquals(OfferState.ACTIVATED, loyalty.activateOffer(offerId).state)
            activated.await()
            assertEquals(listOf(offerId), loyalty.offers().map { it.offer.id })

            val listed = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.shoppingLists(5).first { screen -> screen.items.any { it.name == "Milk" && it.checked } }
            }
            val milk = loyalty.addToList("Milk", 2)
            assertEquals(2u, milk.quantity)
            assertTrue(loyalty.setListItemChecked(milk.id, true).checked)
            listed.await()
            assertTrue(!loyalty.setListItemChecked(milk.id, false).checked)
            assertEquals(listOf("Milk"), loyalty.shoppingList(5).items.map { it.name })
            assertThrows<LoyaltyException.InvalidInput> { loyalty.addToList(" ") }
            assertThrows<LoyaltyException.NotFound> { loyalty.addUsualToList("4006381333931") }
        }
    }
    test("close: Flows complete, listeners are released, later calls fail with Closed, close is idempotent") {
        val dir = Files.createTempDirectory("loyalty-android-close").toFile()
        try {
            val loyalty = Loyalty.open(dir, MemorySecrets())
            // Both collectors have their first value before the close (not merely started).
            val firstState = CompletableDeferred<Unit>()
            val firstBalance = CompletableDeferred<Unit>()
            val states = async(Dispatchers.Default) { loyalty.syncStates.onEach { firstState.complete(Unit) }.toList() }
            val balances = async(Dispatchers.Default) { loyalty.balances.onEach { firstBalance.complete(Unit) }.toList() }
            withTimeout(5_000) {
                firstState.await()
                firstBalance.await()
            }
            // Flows whose collection starts at the very moment of the close: each either completes
            // (it started first) or fails with Closed (the close came first), never anything else.
            val racing = List(8) { async(Dispatchers.Default) { runCatching { loyalty.balances.toList() } } }
            loyalty.close()
            withTimeout(5_000) {
                assertTrue(states.await().isNotEmpty(), "the current state arrived before closing")
                assertEquals(0L, balances.await().first().confirmed)
                racing.forEach { race ->
                    race.await()
                        .onSuccess { seen -> seen.forEach { assertEquals(0L, it.confirmed) } }
                        .onFailure { assertTrue(it is LoyaltyException.Closed, "racing collector: $it") }
                }
            }
            assertThrows<LoyaltyException.Closed> { loyalty.balance() }
            assertThrows<LoyaltyException.Closed> { loyalty.syncNow() }
            assertThrows<LoyaltyException.Closed> { loyalty.syncStates.first() }
            loyalty.close()
            // The data survives: a new facade on the same directory opens it.
            Loyalty.open(dir, MemorySecrets()).use { again -> assertEquals(0L, again.balance().confirmed) }
        } finally {
            dir.deleteRecursively()
        }
    }
    test("cancelSync stops a sync promptly; a failed sync surfaces in the Flow") {
        withDevice { loyalty, _, _ ->
            // Not signed in: the sync fails with Unauthorized and the Flow says so.
            val failed = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                loyalty.syncStates.first { it.status is SyncStatus.Failed }
            }
            loyalty.syncStates.first()
            assertThrows<LoyaltyException.Unauthorized> { loyalty.syncNow() }
            val status = failed.await().status as SyncStatus.Failed
            assertEquals(com.loyaltycore.SyncErrorKind.UNAUTHORIZED, status.kind)
            loyalty.enrol(SERVER, null)
            val running = async(Dispatchers.Default) { runCatching { loyalty.syncNow() } }
            loyalty.cancelSync()
            val report = running.await().getOrThrow()
            assertTrue(report.cancelled || report.requests > 0uL, "$report")
            assertTrue(loyalty.syncState().status !is SyncStatus.Syncing)
        }
    }
}

/** The core's clock, set by the test. */
class ManualClock(private var now: Instant) : com.loyaltycore.Clock {
    @Synchronized override fun now(): Instant = now

    @Synchronized fun set(to: Instant) {
        now = to
    }
}
