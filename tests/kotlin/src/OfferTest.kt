// Personal offers through the bindings (issue #16 part 2), against the real reference server
// started by tests/kotlin/run.sh: the back office publishes a personal opt-in offer and a general
// automatic one; the device lists them after a sync (and tells its listener), activates the
// personal one offline (at once, once), previews a basket with the till's rule, and the next sync
// settles the activation; unknown offers and invalid baskets are typed errors; texts in nl/fr/en.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking

private val OFFER_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val OFFER_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private const val COFFEE = "4006381333931"

/** Publishes an offer in the back office (`POST /v1/admin/offers`); returns its id. */
private fun publishOffer(json: String): String {
    val request = HttpRequest.newBuilder(URI.create("$OFFER_SERVER/v1/admin/offers"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer $OFFER_TILL")
        .header("Idempotency-Key", java.util.UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build()
    val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
    assertTrue(response.statusCode() == 201, "publish: ${response.statusCode()} ${response.body()}")
    // The offer's id is its first field.
    return Regex("\"id\"\\s*:\\s*\"([^\"]+)\"").find(response.body())?.groupValues?.get(1)
        ?: error("no id in ${response.body()}")
}

private fun coffee(quantity: Long) = LineItem(COFFEE, "Koffiebonen 1 kg", quantity, Money(899L, "EUR"), "coffee", null, null)

/** Waits until the listener reports `expected` (calls may coalesce or repeat). */
private fun <T> LinkedBlockingQueue<T>.awaitValue(expected: T) {
    val until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
    var last: T? = null
    while (System.nanoTime() < until) {
        val next = poll(100, TimeUnit.MILLISECONDS) ?: continue
        if (next == expected) return
        last = next
    }
    error("listener never reported $expected (last: $last)")
}

fun offerTests() {
    test("offers: listed after a sync, activated offline at once and once, previewed, settled by the next sync") {
        val dir = Files.createTempDirectory("loyalty-offers")
        try {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, MemorySecrets()).use { client ->
                runBlocking {
                    val sync = client.sync()
                    val enrolment = sync.enrol(OFFER_SERVER, null)
                    val until = Instant.now().plus(Duration.ofDays(7)).toString()
                    val later = Instant.now().plus(Duration.ofDays(14)).toString()
                    val personal = publishOffer(
                        """{"title": {"nl": "Koffie -20%", "fr": "Café -20%", "en": "Coffee -20%"},
                           "kind": {"type": "percent_off", "target": {"type": "product", "gtin": "$COFFEE"}, "percent": 20},
                           "valid_until": "$until", "activation": "opt_in", "limit": "once_per_member",
                           "member_id": "${enrolment.memberId}"}""",
                    )
                    val general = publishOffer(
                        """{"title": {"nl": "Dubbele punten op koffie", "fr": "Points doublés sur le café", "en": "Double points on coffee"},
                           "kind": {"type": "points_multiplier", "target": {"type": "category", "category": "coffee"}, "multiplier": 2},
                           "valid_until": "$later", "activation": "automatic", "limit": "once_per_household"}""",
                    )
                    val offers = client.offers()
                    val seen = LinkedBlockingQueue<List<String>>()
                    offers.addListener(object : OffersListener {
                        override fun onOffers(offers: List<OfferItem>) {
                            seen.put(offers.map { "${it.offer.id}:${it.state}:${it.pending}" })
                        }
                    }).use { handle ->
                        seen.awaitValue(emptyList())
                        sync.syncNow()
                        // Usable now first.
                        seen.awaitValue(listOf("$general:ACTIVATED:false", "$personal:AVAILABLE:false"))
                        assertEquals(listOf(general, personal), offers.list().map { it.offer.id })

                        val item = offers.get(personal)
                        assertEquals(OfferScope.PERSONAL, item.offer.scope)
                        assertEquals(OfferActivation.OPT_IN, item.offer.activation)
                        assertEquals(OfferLimit.ONCE_PER_MEMBER, item.offer.limit)
                        assertEquals(OfferKind.PercentOff(OfferTarget.Product(COFFEE), 20u), item.offer.kind)
                        assertEquals("Café -20%", item.offer.title.fr)
                        assertEquals(
                            OfferKind.PointsMultiplier(OfferTarget.Category("coffee"), 2u),
                            offers.get(general).offer.kind,
                        )

                        // Offline: activated at once, pending; twice is harmless (one outbox item).
                        val activated = offers.activate(personal)
                        assertEquals(OfferState.ACTIVATED, activated.state)
                        assertTrue(activated.pending)
                        assertEquals(activated, offers.activate(personal), "activating twice changes nothing")
                        assertEquals(1, sync.outbox().count { it.operation == OutboxOperation.ActivateOffer(personal) })
                        seen.awaitValue(listOf("$personal:ACTIVATED:true", "$general:ACTIVATED:false"))

                        // The till's rule on the device: 20% of 17.98 rounded up, double points on what is paid.
                        val preview = offers.preview(listOf(coffee(2)))
                        assertEquals(listOf(LineDiscount(0uL, personal, 360L)), preview.discounts)
                        assertEquals(360L, preview.totalDiscountMinor)
                        assertEquals(listOf(LinePoints(0uL, general, 2u, 15L)), preview.extraPoints)
                        assertEquals(15L, preview.totalExtraPoints)
                        assertEquals(emptyList<FreeItem>(), preview.freeItems)
                        assertEquals(listOf(general, personal).sorted(), preview.usedOffers)
                        assertThrows<LoyaltyException.InvalidInput> { offers.preview(listOf(coffee(0))) }
                        assertThrows<LoyaltyException.NotFound> { offers.activate("o_unknown") }
                        assertThrows<LoyaltyException.NotFound> { offers.get("o_unknown") }

                        val report = sync.syncNow()
                        assertTrue(report.notices.isEmpty(), "$report")
                        assertFalse(offers.get(personal).pending)
                        assertEquals(OfferState.ACTIVATED, offers.get(personal).state)
                        assertTrue(sync.outbox().isEmpty())
                        handle.cancel()
                    }

                    assertTrue(offerStateText(OfferState.AVAILABLE, "nl-BE").contains("Activeer"))
                    assertTrue(offerStateText(OfferState.ACTIVATED, "fr-BE").contains("Activée"))
                    assertEquals("Used", offerStateText(OfferState.USED, "en"))
                    assertTrue(offerRefusalText(OfferRefusal.EXPIRED, "fr").contains("terminée"))
                    assertTrue(offerRefusalText(OfferRefusal.NOT_YOURS, "nl").contains("iemand anders"))
                    val notice = SyncNotice(SyncNoticeKind.OFFER_ACTIVATION_EXPIRED, personal, "Coffee -20%")
                    assertTrue(syncNoticeText(notice, "nl-BE").contains("niet geactiveerd"), syncNoticeText(notice, "nl-BE"))
                    client.shutdown()
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
