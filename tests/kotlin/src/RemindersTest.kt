// Reminders through the bindings: the brief's dog food and oyster recall scenarios, feedback,
// delivered history, pushes through the same policy, settings and context.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.nio.file.Files
import java.time.Instant

/** A GTIN-13 from a 12-digit body, with its GS1 check digit. */
private fun gtin13(body: String): String {
    val sum = body.reversed().mapIndexed { i, c -> (c - '0') * (if (i % 2 == 0) 3 else 1) }.sum()
    return body + ((10 - sum % 10) % 10)
}

private val DOG = gtin13("541000000001")
private val OYSTER = gtin13("541000000020")

private fun purchase(id: String, at: String, gtin: String, name: String, category: String, lot: String? = null) =
    Receipt(id, "Brussels Centre", Instant.parse(at), listOf(LineItem(gtin, name, 1, Money(499, "EUR"), category, lot, null)), ReceiptSource.TILL, null)

private fun withReminders(now: String, body: (LoyaltyClient, TestClock) -> Unit) {
    val dir = Files.createTempDirectory("loyalty-rem")
    val clock = TestClock(Instant.parse(now))
    try {
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), clock, null).use { client ->
            val r = client.reminders()
            r.setSettings(r.settings().copy(consent = Consent(marketing = true, service = true, safety = true), quietHours = null))
            r.setContext(ReminderContext(60, null, null, emptyMap()))
            body(client, clock)
            client.shutdown()
        }
    } finally {
        dir.toFile().deleteRecursively()
    }
}

private const val OYSTER_CATALOGUE = """{"version": 1, "recalls": [{"id": "R-2026-001", "gtins": ["OYSTER"], "lots": ["L2412-30"],
  "sold_from": "2025-12-27T00:00:00Z", "sold_until": "2026-01-02T23:00:00Z", "published_at": "2026-01-05T09:00:00Z",
  "product": {"en": "Zeeland oysters", "nl": "Zeeuwse oesters", "fr": "Huîtres de Zélande"},
  "instructions": {"en": "Do not eat them; bring them back for a refund."}}], "recipes": [], "content": []}"""

fun remindersTests() {
    test("dog food: a reminder before the predicted run-out, with its reason; dismissed, it is gone") {
        withReminders("2026-05-15T12:00:00Z") { client, _ ->
            val r = client.reminders()
            // lead_percent 0 pins the reminder to lead_days before the run-out (the default, 100,
            // leaves the day to the next-shop model: for a shopper who buys nothing but dog food,
            // every shop is a dog-food shop and it would remind today).
            r.setRulesJson("""{"version": 1, "rules": [{"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]}, "lead_days": 3, "lead_percent": 0}]}""")
            listOf("2026-01-05", "2026-02-01", "2026-03-02", "2026-03-30", "2026-04-27").forEachIndexed { i, day ->
                client.receipts().add(purchase("r$i", "${day}T10:00:00Z", DOG, "Dog food 12 kg", "Pet food"))
            }
            val plan = r.plan()
            assertEquals(1, plan.items.size, "$plan")
            val n = plan.items[0]
            assertEquals("dog-food:$DOG:20260427", n.id)
            assertEquals(ReminderKind.REPLENISHMENT, n.kind)
            assertEquals(NotificationCategory.MARKETING, n.category)
            // Run-out 25 May; 3 days before at 10:00 local (UTC+1).
            assertEquals(Instant.parse("2026-05-22T09:00:00Z"), n.at)
            assertTrue(n.reason.contains("28 days"), n.reason)
            assertEquals("loyalty://product/$DOG", n.deepLink)
            assertTrue(plan.recomputeAt.isAfter(Instant.parse("2026-05-15T12:00:00Z")))
            assertEquals(emptyList<SuppressedReminder>(), plan.suppressed)
            r.dismiss(n.id)
            val dismissed = r.plan()
            assertTrue(dismissed.items.isEmpty(), "dismissed")
            // Held back, with the reason (a settings screen can say why).
            assertEquals(
                listOf(SuppressedReminder(n.id, "dog-food", ReminderKind.REPLENISHMENT, NotificationCategory.MARKETING, SuppressReason.DISMISSED)),
                dismissed.suppressed,
            )
            // Without marketing consent nothing is planned either; consent is checked first.
            r.setSettings(r.settings().copy(consent = Consent(false, true, true)))
            val noConsent = r.plan()
            assertTrue(noConsent.items.isEmpty())
            assertEquals(listOf(SuppressReason.NO_CONSENT), noConsent.suppressed.map { it.why })
        }
    }
    test("dog food in Dutch; a snooze postpones; muting the rule stops it; a delivered one is not planned again") {
        withReminders("2026-05-15T12:00:00Z") { client, _ ->
            val r = client.reminders()
            r.setRulesJson("""{"version": 1, "rules": [{"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]}, "lead_days": 3}]}""")
            listOf("2026-01-05", "2026-02-01", "2026-03-02", "2026-03-30", "2026-04-27").forEachIndexed { i, day ->
                client.receipts().add(purchase("r$i", "${day}T10:00:00Z", DOG, "Dog food 12 kg", "Pet food"))
            }
            r.setSettings(r.settings().copy(language = "nl-BE"))
            val nl = r.plan().items.single()
            assertNotEquals(nl.title, "Running low on Dog food 12 kg?")
            r.snooze(nl.id, Instant.parse("2026-05-24T08:00:00Z"))
            assertEquals(Instant.parse("2026-05-24T08:00:00Z"), r.plan().items.single().at)
            assertThrows<LoyaltyException.InvalidInput> { r.snooze(nl.id, Instant.parse("2026-01-01T00:00:00Z")) }
            r.markDelivered(nl)
            assertTrue(r.plan().items.isEmpty(), "delivered already")
            r.muteRule("dog-food")
            assertThrows<LoyaltyException.InvalidInput> { r.dismiss(" ") }
            assertThrows<LoyaltyException.InvalidInput> { r.muteRule("") }
        }
    }
    test("oyster recall: only the shopper who bought the recalled lot is alerted, as Safety") {
        val catalogue = OYSTER_CATALOGUE.replace("OYSTER", OYSTER)
        for ((lot, alerted) in listOf("L2412-30" to true, "L2412-31" to false)) {
            withReminders("2026-01-06T10:00:00Z") { client, _ ->
                val r = client.reminders()
                r.setCatalogueJson(catalogue)
                r.setSettings(r.settings().copy(consent = Consent(marketing = false, service = true, safety = true)))
                client.receipts().add(purchase("o1", "2025-12-30T15:00:00Z", OYSTER, "Oysters 12 pcs", "seafood", lot))
                val items = r.plan().items
                if (alerted) {
                    val n = items.single()
                    assertEquals("recall:R-2026-001", n.id)
                    assertEquals(NotificationCategory.SAFETY, n.category)
                    assertEquals(ReminderKind.RECALL, n.kind)
                    assertTrue(n.body.contains("Zeeland oysters"), n.body)
                } else {
                    assertTrue(items.isEmpty(), "lot $lot is not recalled: $items")
                }
            }
        }
    }
    test("pushes pass through the same policy; malformed ones are InvalidInput") {
        withReminders("2026-03-20T10:00:00Z") { client, _ ->
            val r = client.reminders()
            val push = """{"version": 1, "type": "message", "id": "spring", "category": "marketing",
                "title": {"en": "Spring sale"}, "body": {"en": "20% off garden"}, "send_at": "2026-03-20T11:00:00Z"}"""
            val shown = r.receivePush(push)
            assertTrue(shown is PushOutcome.Show, "$shown")
            assertEquals("Spring sale", (shown as PushOutcome.Show).notification.title)
            assertTrue(r.plan().items.any { it.kind == ReminderKind.PUSH }, "kept for later plans")
            r.setSettings(r.settings().copy(consent = Consent(false, true, true)))
            val held = r.receivePush(push.replace("spring", "spring-2"))
            assertTrue(held is PushOutcome.Suppressed, "$held")
            assertThrows<LoyaltyException.InvalidInput> { r.receivePush("{\"version\": 1, \"type\": \"message\"") }
            assertThrows<LoyaltyException.InvalidInput> { r.receivePush("""{"version": 1, "type": "message", "id": "x", "category": "safety", "title": {"en": "t"}, "body": {"en": "b"}}""") }
            val recall = """{"version": 1, "type": "recall", "id": "R-9", "gtins": ["$OYSTER"], "sold_from": "2026-01-01T00:00:00Z",
                "sold_until": "2026-02-01T00:00:00Z", "published_at": "2026-03-01T00:00:00Z", "product": {"en": "Oysters"}, "instructions": {"en": "Bring back"}}"""
            assertEquals(PushOutcome.NotShown, r.receivePush(recall), "this shopper did not buy them")
        }
    }
    test("settings and context round-trip; bad values and bad JSON are InvalidInput") {
        withReminders("2026-03-20T10:00:00Z") { client, _ ->
            val r = client.reminders()
            val s = r.settings().copy(language = "fr", quietHours = QuietHours(1320u.toUShort(), 480u.toUShort()))
            r.setSettings(s)
            assertEquals(s, r.settings())
            val c = ReminderContext(120, -15, 40, mapOf("snow" to 1L))
            r.setContext(c)
            assertEquals(c, r.context())
            assertThrows<LoyaltyException.InvalidInput> { r.setSettings(s.copy(horizonDays = 0u)) }
            assertThrows<LoyaltyException.InvalidInput> { r.setSettings(s.copy(quietHours = QuietHours(60u.toUShort(), 60u.toUShort()))) }
            assertThrows<LoyaltyException.InvalidInput> { r.setContext(c.copy(localUtcOffsetMinutes = 100_000)) }
            assertThrows<LoyaltyException.InvalidInput> { r.setRulesJson("{") }
            assertThrows<LoyaltyException.InvalidInput> { r.setRulesJson("""{"version": 99, "rules": []}""") }
            assertThrows<LoyaltyException.InvalidInput> { r.setCatalogueJson("""{"version": 1, "recalls": [{"id": ""}]}""") }
        }
    }
    test("in a store: with location consent the card and the list; without it nothing is kept") {
        withReminders("2026-03-07T09:00:00Z") { client, clock ->
            val r = client.reminders()
            r.setRulesJson("""{"version": 1, "rules": [{"id": "in-store", "kind": "in_store"}]}""")
            client.list().add("Coffee beans", null, null)
            // Location consent is opt-in (the positional constructor keeps its default).
            assertFalse(r.settings().consent.location)
            assertFalse(r.enteredStore("gent-zuid", "Colruyt Gent Zuid"))
            assertEquals(null, r.storeVisit())
            r.setSettings(r.settings().copy(consent = Consent(marketing = true, service = true, safety = true, location = true)))
            clock.advance(java.time.Duration.ofMinutes(2))
            assertTrue(r.enteredStore("gent-zuid", "Colruyt Gent Zuid"))
            assertEquals(Instant.parse("2026-03-07T09:02:00Z"), r.storeVisit()?.enteredAt)
            val n = r.plan().items.single()
            assertEquals(ReminderKind.IN_STORE, n.kind)
            assertEquals("Welcome to Colruyt Gent Zuid: your card is ready", n.title)
            assertEquals("1 item is on your shopping list.", n.body)
            assertTrue(n.reason.contains("10:02"), n.reason)
            assertFalse(r.leftStore("gent-noord"))
            assertTrue(r.leftStore("gent-zuid"))
            assertTrue(r.plan().items.isEmpty())
            assertThrows<LoyaltyException.InvalidInput> { r.enteredStore("", "Colruyt") }
        }
    }
}
