// The shopping list through the bindings: a replenishment reminder's "Add it to your shopping
// list?", items by hand, usual items with their why, checked off, the list screen's listener,
// and the receipt that buys an item taking it off.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.nio.file.Files
import java.time.Duration
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

private fun gtin(body: String): String {
    val sum = body.reversed().mapIndexed { i, c -> (c - '0') * (if (i % 2 == 0) 3 else 1) }.sum()
    return body + ((10 - sum % 10) % 10)
}

private val DOG_FOOD = gtin("541000000001")

private fun dogFood(id: String, at: Instant) =
    Receipt(id, "Brussels Centre", at, listOf(LineItem(DOG_FOOD, "Dog food 12 kg", 1, Money(4999, "EUR"), "Pet food", null, null)), ReceiptSource.TILL, null)

fun listTests() {
    test("shopping list: add from a reminder and by hand, usual items, check, listener; the receipt that buys it takes it off") {
        val dir = Files.createTempDirectory("loyalty-list")
        val clock = TestClock(Instant.parse("2026-05-15T12:00:00Z"))
        try {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), clock, null).use { client ->
                val r = client.reminders()
                r.setSettings(r.settings().copy(language = "fr-BE", consent = Consent(marketing = true, service = true, safety = true), quietHours = null))
                r.setRulesJson("""{"version": 1, "rules": [{"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]}, "lead_days": 3, "lead_percent": 0}]}""")
                listOf("2026-01-05", "2026-02-01", "2026-03-02", "2026-03-30", "2026-04-27").forEachIndexed { i, day ->
                    client.receipts().add(dogFood("r$i", Instant.parse("${day}T10:00:00Z")))
                }
                val n = r.plan().items.single()
                val offer = n.listOffer ?: error("a replenishment reminder offers the list: $n")
                assertEquals("Ajouter à la liste de courses", offer.action)
                assertEquals(listOf(DOG_FOOD), offer.boughtWithGtins)

                val list = client.list()
                val screens = LinkedBlockingQueue<ListScreen>()
                val handle = list.addListener(5u, object : ListListener {
                    override fun onList(list: ListScreen) {
                        screens.put(list)
                    }
                })
                val wait = { assertNotNull(screens.poll(10, TimeUnit.SECONDS), "a listener call") as ListScreen }
                val first = wait()
                assertEquals(0, first.items.size)
                assertEquals(DOG_FOOD, first.usual.single().gtin)
                assertTrue(first.usual.single().reason.startsWith("Vous avez acheté «\u00a0Dog food 12 kg\u00a0»"), first.usual.single().reason)

                val dog = list.addFromReminder(n, 2u)
                assertEquals("Dog food 12 kg", dog.name)
                assertEquals(ListItemSource.Reminder(n.id), dog.source)
                assertEquals(listOf("Dog food 12 kg"), wait().items.map { it.name })
                val candles = list.add("Birthday candles", null, null)
                assertEquals(2, wait().items.size)
                list.check(candles.id)
                assertTrue(wait().items.last().checked)
                assertFalse(list.uncheck(candles.id).checked)
                assertFalse(wait().items.last().checked)
                assertEquals(3u, list.setQuantity(candles.id, 3u).quantity)
                assertEquals(3u, wait().items.last().quantity)
                list.check(candles.id)
                assertTrue(wait().items.last().checked)
                // The usual items: dog food, already on the list, is not suggested on the screen.
                assertEquals(DOG_FOOD, list.usual(5u).single().gtin)
                assertEquals(emptyList<UsualItem>(), list.show(5u).usual)

                assertThrows<LoyaltyException.Conflict> { list.addFromReminder(n, null) }
                assertThrows<LoyaltyException.Conflict> { list.addUsual(DOG_FOOD, null) }
                assertThrows<LoyaltyException.InvalidInput> { list.addFromReminder(n.copy(listOffer = null), null) }
                assertThrows<LoyaltyException.InvalidInput> { list.add(" ", null, null) }
                assertThrows<LoyaltyException.InvalidInput> { list.add("Milk", null, 500u) }
                assertThrows<LoyaltyException.NotFound> { list.check("999") }

                // The shop: the dog food (bought) and the candles (checked) leave the list.
                clock.advance(Duration.ofDays(1))
                client.receipts().add(dogFood("r5", clock.now()))
                val after = wait()
                assertEquals(emptyList<ListItem>(), after.items)
                assertEquals(emptyList<ListItem>(), list.items())
                handle.close()
                client.shutdown()
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
