// Sync through the bindings (suspend functions) against the real reference server on loopback,
// started by tests/kotlin/run.sh: enrolment, deltas, listeners, the household redemption conflict,
// offline points claimed once, and the errors a user must act on.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking

private val SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val TILL_TOKEN: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val http: HttpClient = HttpClient.newHttpClient()

/** The retailer's back office: an admin call to the reference server (POST by default). */
private fun admin(path: String, json: String, method: String = "POST"): String {
    val request = HttpRequest.newBuilder(URI.create(SERVER + path))
        .header("Authorization", "Bearer $TILL_TOKEN")
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(json))
        .build()
    val response = http.send(request, HttpResponse.BodyHandlers.ofString())
    assertTrue(response.statusCode() in 200..299, "admin $method $path: ${response.statusCode()} ${response.body()}")
    return response.body()
}

/** The keystore of the device [withDevice] opened last. */
private var lastSecrets: MemorySecrets? = null

/** `GET /v1/me` with the device's own token (read from its secret store). */
private fun memberAsServerSees(memberId: String, client: LoyaltyClient): String {
    assertTrue(memberId.isNotEmpty())
    val token = assertNotNull(lastSecrets?.values?.get("loyalty-core.sync.token"), "the device's token").toString(Charsets.UTF_8)
    val request = HttpRequest.newBuilder(URI.create("$SERVER/v1/me"))
        .header("Authorization", "Bearer $token")
        .GET()
        .build()
    val response = http.send(request, HttpResponse.BodyHandlers.ofString())
    assertEquals(200, response.statusCode(), response.body())
    return response.body().replace(" ", "")
}

/** Publishes the next version of a content feed (the retailer's side). */
private fun publishContent(kind: String, json: String) {
    admin("/v1/admin/content/$kind", json, method = "PUT")
}

private fun issueVoucher(memberId: String, title: String): String {
    val body = admin(
        "/v1/admin/members/$memberId/vouchers",
        """{"kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"}}, "title": "$title", "valid_until": "2030-01-01T00:00:00Z"}""",
    )
    return Regex("\"id\"\\s*:\\s*\"([^\"]+)\"").find(body)?.groupValues?.get(1) ?: error("no voucher id in $body")
}

/** A device: its own data directory and keystore, the system clock (the server runs on it too). */
private fun withDevice(body: suspend (LoyaltyClient) -> Unit) {
    val dir = Files.createTempDirectory("loyalty-sync")
    val secrets = MemorySecrets().also { lastSecrets = it }
    try {
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, secrets).use { client ->
            runBlocking { body(client) }
            client.shutdown()
        }
    } finally {
        dir.toFile().deleteRecursively()
    }
}

fun syncTests() {
    test("enrol over HTTP, sync the server's vouchers and points; the listener sees the sync") {
        withDevice { client ->
            val sync = client.sync()
            assertFalse(sync.isSignedIn())
            val enrolment = sync.enrol(SERVER, "Kotlin shopper")
            assertTrue(sync.isSignedIn())
            assertNotNull(enrolment.householdCode)
            assertEquals(enrolment.householdCode, sync.householdCode())
            val card = assertNotNull(enrolment.card, "the card secret comes with enrolment")
            assertEquals(card, client.card().memberCard())
            assertTrue(client.card().rotatingCode().payload.startsWith("LC1:${card.cardNumber}:"))
            val states = CopyOnWriteArrayList<SyncState>()
            // Listeners are called on a sync thread, after the fact: count down once a sync was
            // seen running and then idle again.
            val settled = CountDownLatch(1)
            val handle = sync.addListener(object : SyncStateListener {
                override fun onState(state: SyncState) {
                    states.add(state)
                    if (state.status == SyncStatus.Idle && states.any { it.status is SyncStatus.Syncing }) settled.countDown()
                }
            })
            val voucherId = issueVoucher(enrolment.memberId, "€5 off")
            admin("/v1/admin/members/${enrolment.memberId}/points", """{"points": 250, "kind": "adjust"}""")
            val report = sync.syncNow()
            assertFalse(report.cancelled)
            assertEquals(1u, report.vouchersApplied)
            assertEquals(1u, report.ledgerApplied)
            assertTrue(report.requests >= 3uL)
            assertEquals(listOf(voucherId), client.wallet().usableNow().map { it.id })
            assertTrue(client.wallet().get(voucherId).code.startsWith("LCV1."), "signed by the retailer")
            assertEquals(250L, client.points().verify().confirmed)
            // A second sync finds nothing new.
            assertEquals(0u, sync.syncNow().ledgerApplied)
            val last = sync.state()
            assertEquals(SyncStatus.Idle, last.status)
            assertNotNull(last.lastSyncedAt)
            assertTrue(settled.await(10, TimeUnit.SECONDS), "the listener saw the sync run and finish: $states")
            assertEquals(SyncStatus.Idle, states.first().status, "the current state comes first")
            handle.cancel()
            sync.signOut()
            assertFalse(sync.isSignedIn())
        }
    }
    test("content feeds arrive with the sync once; a version that does not validate is refused with its reason") {
        withDevice { client ->
            val sync = client.sync()
            sync.enrol(SERVER, null)
            // Only this test publishes content on this server.
            publishContent(
                "recipes",
                """{"version": 1, "recipes": [{"id": "kotlin-soup", "title": {"en": "Soup"}, "ingredients": [{"categories": ["soup"]}]}]}""",
            )
            val first = sync.syncNow()
            assertEquals(1u, first.contentUpdated, "$first")
            assertEquals(emptyList<String>(), first.contentRejected)
            assertEquals(0u, sync.syncNow().contentUpdated, "unchanged: answered 304, nothing applied")
            // The recalls feed carries only recalls: a recipe in it is refused, nothing else changes.
            publishContent(
                "recalls",
                """{"version": 1, "recipes": [{"id": "misfiled", "title": {"en": "Soup"}, "ingredients": [{"categories": ["soup"]}]}]}""",
            )
            val refused = sync.syncNow()
            assertEquals(0u, refused.contentUpdated)
            assertEquals(1, refused.contentRejected.size, "$refused")
            assertTrue(refused.contentRejected[0].startsWith("recalls version 1: "), refused.contentRejected[0])
            assertTrue(client.reminders().plan().items.none { it.ruleId == "recall" })
        }
    }
    test("a consent change and the push token reach the server with the next sync, once") {
        withDevice { client ->
            val sync = client.sync()
            val enrolment = sync.enrol(SERVER, null)
            val reminders = client.reminders()
            reminders.setSettings(reminders.settings().copy(consent = Consent(true, true, true)))
            sync.setPushToken(PushPlatform.ANDROID, "fcm:APA91b-kotlin")
            assertThrows<LoyaltyException.InvalidInput> { sync.setPushToken(PushPlatform.IOS, "not a token") }
            assertEquals(2u, sync.syncNow().settingsSent)
            assertEquals(0u, sync.syncNow().settingsSent, "sent once")
            val me = memberAsServerSees(enrolment.memberId, client)
            assertTrue(me.contains("\"marketing\":true"), me)
            assertTrue(me.contains("\"push_tokens\":1"), me)
        }
    }
    test("trust anchors from the platform's store replace the default; none usable is refused; the sync keeps working") {
        withDevice { client ->
            val sync = client.sync()
            // Real CA certificates (DER) from the JDK's own store, as the Android facade hands
            // AndroidCAStore's.
            val jdkStore = java.security.KeyStore.getInstance("PKCS12").apply {
                java.io.File(System.getProperty("java.home"), "lib/security/cacerts").inputStream().use { load(it, "changeit".toCharArray()) }
            }
            val certificates = jdkStore.aliases().toList().mapNotNull { jdkStore.getCertificate(it)?.encoded }
            assertTrue(certificates.size > 50, "${certificates.size} JDK CAs")
            val usable = sync.setTrustAnchors(certificates + listOf(byteArrayOf(1, 2, 3)))
            assertTrue(usable.toInt() in 50 until certificates.size + 1, "$usable of ${certificates.size}")
            assertThrows<LoyaltyException.InvalidInput> { sync.setTrustAnchors(listOf("not a certificate".toByteArray())) }
            // Plain http on loopback is unaffected; empty goes back to the platform's default.
            sync.enrol(SERVER, null)
            assertEquals(0u, sync.setTrustAnchors(emptyList()))
            sync.syncNow()
        }
    }
    test("the app's Logger hears the store and the sync, never the shopper's data") {
        val lines = java.util.concurrent.ConcurrentLinkedQueue<String>()
        setLogger(object : Logger {
            override fun log(level: LogLevel, target: String, message: String) {
                lines.add("$level $target: $message")
            }
        }, LogLevel.INFO)
        try {
            val secrets = MemorySecrets()
            val dir = Files.createTempDirectory("loyalty-log")
            try {
                LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, secrets).use { client ->
                    runBlocking {
                        val enrolment = client.sync().enrol(SERVER, "Ann Example")
                        client.sync().syncNow()
                        val card = assertNotNull(client.card().memberCard())
                        val personal = listOf(enrolment.memberId, card.cardNumber, assertNotNull(enrolment.householdCode), "Ann Example") +
                            secrets.values.values.map { String(it, Charsets.UTF_8) }.filter { it.length >= 8 }
                        val seen = lines.toList()
                        assertTrue(seen.any { it.startsWith("INFO store: opened in") }, "$seen")
                        assertTrue(seen.any { it.startsWith("INFO sync: signed in") }, "$seen")
                        assertTrue(seen.any { it.startsWith("INFO sync: done in") }, "$seen")
                        for (line in seen) for (p in personal) assertFalse(line.contains(p), "a log line holds shopper data: $line")
                    }
                    client.shutdown()
                }
            } finally {
                dir.toFile().deleteRecursively()
            }
        } finally {
            setLogger(null, LogLevel.ERROR)
        }
        val after = lines.size
        LoyaltyClient.open(Files.createTempDirectory("loyalty-log2").toString(), defaultProgrammeRules(), null, null).use { it.shutdown() }
        assertEquals(after, lines.size, "no logger, no lines")
    }
    test("two devices of one household redeem the same voucher offline: one wins, both show it redeemed") {
        withDevice { a ->
            val enrolment = a.sync().enrol(SERVER, null)
            val voucherId = issueVoucher(enrolment.memberId, "Free coffee")
            a.sync().syncNow()
            withDevice { b ->
                val joined = b.sync().joinHousehold(SERVER, assertNotNull(enrolment.householdCode))
                assertEquals(enrolment.memberId, joined.memberId)
                assertEquals(enrolment.card?.cardNumber, joined.card?.cardNumber)
                b.sync().syncNow()
                // Both show the voucher at a till while offline.
                a.wallet().beginRedemption(voucherId)
                b.wallet().beginRedemption(voucherId)
                assertEquals(1, b.sync().outbox().size)
                val reports = listOf(a.sync().syncNow(), b.sync().syncNow())
                // The device whose redemption lost is told, in words the app can show.
                val notices = reports.flatMap { it.notices }
                assertEquals(1, notices.size, "$notices")
                assertEquals(SyncNoticeKind.VOUCHER_USED_ELSEWHERE, notices[0].kind)
                for (lang in listOf("nl", "fr", "en")) {
                    val text = syncNoticeText(notices[0], lang)
                    assertTrue(text.contains("Free coffee"), "$lang: $text")
                }
                assertTrue(syncNoticeText(notices[0], "nl").contains("huishouden"))
                assertTrue(a.wallet().get(voucherId).state is VoucherState.Redeemed)
                assertTrue(b.wallet().get(voucherId).state is VoucherState.Redeemed)
                assertTrue(a.wallet().pendingRedemptions().isEmpty())
                assertTrue(b.wallet().pendingRedemptions().isEmpty())
                assertTrue(b.sync().outbox().isEmpty())
                // Nothing spent twice: a third redemption attempt is refused locally.
                assertThrows<LoyaltyException.Conflict> { a.wallet().beginRedemption(voucherId) }
            }
        }
    }
    test("points earned offline stay pending, then are confirmed once") {
        withDevice { client ->
            val enrolment = client.sync().enrol(SERVER, null)
            val receiptId = "kt-" + System.nanoTime()
            admin(
                "/v1/admin/members/${enrolment.memberId}/receipts",
                """{"receipt": {"id": "$receiptId", "store_name": "Store 12", "purchased_at": "2026-03-01T09:00:00Z",
                   "lines": [{"gtin": "4006381333931", "name": "Dog food", "quantity": 2, "unit_price": {"amount_minor": 2499, "currency": "EUR"}, "category": "Pet food"}],
                   "source": "till"}}""",
            )
            val pending = client.points().earnOffline(49, receiptId, "Purchase at the till")
            assertEquals(EntryStatus.PENDING, pending.status)
            assertEquals(49L, client.points().balance().pendingCredit)
            assertEquals(1, client.points().pendingClaims().size)
            assertThrows<LoyaltyException.Conflict> { client.points().earnOffline(49, receiptId, null) }
            val report = client.sync().syncNow()
            assertEquals(1u, report.outboxResolved)
            val b = client.points().verify()
            assertEquals(49L, b.confirmed)
            assertEquals(0L, b.pendingCredit)
            assertEquals(EntryStatus.CONFIRMED, client.points().entry(pending.seq).status)
            assertTrue(client.points().pendingClaims().isEmpty())
            client.sync().syncNow()
            assertEquals(49L, client.points().verify().confirmed, "never counted twice")
            assertEquals(listOf(receiptId), client.receipts().all().map { it.id })
        }
    }
    test("errors the user must act on: no server, plain http off loopback, a wrong household code") {
        withDevice { client ->
            val sync = client.sync()
            assertThrows<LoyaltyException.InvalidInput> { runBlocking { sync.enrol("http://example.com", null) } }
            assertThrows<LoyaltyException.InvalidInput> { runBlocking { sync.enrol("not a url", null) } }
            assertThrows<LoyaltyException.Unauthorized> { runBlocking { sync.syncNow() } }
            val wrong = runCatching { sync.joinHousehold(SERVER, "not-a-household-code") }.exceptionOrNull()
            assertTrue(wrong is LoyaltyException.Unauthorized || wrong is LoyaltyException.InvalidInput, "$wrong")
            val e = runCatching { sync.enrol("http://127.0.0.1:9", null) }.exceptionOrNull()
            assertTrue(e is LoyaltyException.Network, "$e")
            assertFalse((e as LoyaltyException.Network).reason.contains("127.0.0.1"), "no addresses in reasons")
            sync.cancel()
            assertFalse(sync.isSignedIn())
        }
    }
}
