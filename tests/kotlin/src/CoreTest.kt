// Kotlin tests of the loyalty core through the generated bindings, against the real library and
// a real database on disk. Every exported function is called here, errors included.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

private val T0: Instant = Instant.parse("2026-03-01T09:00:00Z")
private const val DOG_FOOD = "4006381333931"
private const val ROAD_SALT = "96385074"
private const val TV = "036000291452"

/** The app's clock, injected: tests move it, nothing sleeps. */
class TestClock(var now: Instant) : Clock {
    override fun now(): Instant = now
    fun advance(d: Duration) { now = now.plus(d) }
}

private fun eur(cents: Long) = Money(cents, "EUR")

/** The retailer's voucher key pair of these tests: the wallet takes only vouchers it signed. */
private val RETAILER: VoucherKeyPair = newVoucherKeyPair()

private fun unsignedVoucher(
    id: String,
    from: Instant = T0,
    days: Long = 30,
    kind: VoucherKind = VoucherKind.PercentOff(10u, null),
) = Voucher(
    id = id, kind = kind, title = "10% off", description = null, code = "CODE-$id",
    validFrom = from, validUntil = from.plus(Duration.ofDays(days)),
    state = VoucherState.Available, signature = null,
)

/** A voucher as the retailer issues it: its code signed over its fields. */
private fun voucher(
    id: String,
    from: Instant = T0,
    days: Long = 30,
    kind: VoucherKind = VoucherKind.PercentOff(10u, null),
): Voucher {
    val v = unsignedVoucher(id, from, days, kind)
    return v.copy(code = signVoucherCode(v, RETAILER.signingKeyHex))
}

private fun line(
    gtin: String, qty: Long, cents: Long, category: String,
    lot: String? = null, warrantyMonths: UInt? = null,
) = LineItem(gtin, "Item $gtin", qty, eur(cents), category, lot, warrantyMonths)

private fun receipt(id: String, at: Instant, vararg lines: LineItem) =
    Receipt(id, "Store 12", at, lines.toList(), ReceiptSource.TILL, null)

private fun tempDir(): Path = Files.createTempDirectory("loyalty-kt")

/** Opens a client on a fresh directory, runs [body], shuts down and releases the native object. */
private fun withClient(
    clock: TestClock = TestClock(T0),
    rules: ProgrammeRules = defaultProgrammeRules(),
    body: (LoyaltyClient, TestClock) -> Unit,
) {
    val dir = tempDir()
    try {
        LoyaltyClient.open(dir.toString(), rules, clock, null).use { client ->
            client.wallet().setRetailerKey(RETAILER.publicKeyHex)
            body(client, clock)
            client.shutdown()
        }
    } finally {
        dir.toFile().deleteRecursively()
    }
}

fun rulesTests() {
    test("default rules round-trip through JSON") {
        val rules = defaultProgrammeRules()
        assertEquals(listOf("Member", "Silver", "Gold"), rules.tiers.map { it.name })
        assertEquals(24u, rules.pointsExpiryMonths)
        assertEquals(rules, programmeRulesFromJson(programmeRulesToJson(rules)))
    }
    test("malformed or inconsistent rules are InvalidInput") {
        assertThrows<LoyaltyException.InvalidInput> { programmeRulesFromJson("{") }
        val descending = defaultProgrammeRules().copy(
            tiers = listOf(TierRule("Member", 0), TierRule("Gold", 5000), TierRule("Silver", 1000)),
        )
        val e = assertThrows<LoyaltyException.InvalidInput> { programmeRulesToJson(descending) }
        assertTrue(e.reason.contains("ascending"), e.reason)
        val dir = tempDir()
        assertThrows<LoyaltyException.InvalidInput> {
            LoyaltyClient.open(dir.toString(), descending, null, null)
        }
        assertThrows<LoyaltyException.InvalidInput> {
            LoyaltyClient.open("  ", defaultProgrammeRules(), null, null)
        }
    }
    test("rules() returns what the client was opened with") {
        val custom = defaultProgrammeRules().copy(pointsExpiryMonths = null, returnWindowDays = 14u)
        withClient(rules = custom) { client, _ -> assertEquals(custom, client.rules()) }
    }
}

fun pointsTests() {
    test("earn, redeem and the materialised balance") {
        withClient { client, clock ->
            val points = client.points()
            val earned = points.earn(1000, "receipt-1", "Purchase", false)
            assertEquals(1uL, earned.seq)
            assertEquals(EntryKind.EARN, earned.kind)
            assertEquals(EntryStatus.CONFIRMED, earned.status)
            assertEquals(clock.now, earned.at)
            val pending = points.earn(200, null, null, true)
            assertEquals(EntryStatus.PENDING, pending.status)
            val spent = points.redeem(300, "voucher-1", null, false)
            assertEquals(-300L, spent.points)
            val b = points.balance()
            assertEquals(700L, b.confirmed)
            assertEquals(200L, b.pendingCredit)
            assertEquals(700L, b.available)
            assertEquals(900L, b.projected)
            assertEquals(3uL, b.entries)
            assertEquals(b, points.verify())
        }
    }
    test("pending entries settle; bad amounts and overspending are refused") {
        withClient { client, _ ->
            val points = client.points()
            val p = points.earn(200, null, null, true)
            assertEquals(EntryStatus.CONFIRMED, points.settle(p.seq, true).status)
            assertEquals(200L, points.balance().confirmed)
            assertThrows<LoyaltyException.Conflict> { points.settle(p.seq, false) }
            val r = points.earn(50, null, null, true)
            assertEquals(EntryStatus.REJECTED, points.settle(r.seq, false).status)
            assertEquals(0L, points.balance().pendingCredit)
            val over = assertThrows<LoyaltyException.Conflict> { points.redeem(5000, null, null, false) }
            assertTrue(over.reason.contains("not enough points"), over.reason)
            assertThrows<LoyaltyException.InvalidInput> { points.earn(-5, null, null, false) }
            assertThrows<LoyaltyException.InvalidInput> { points.redeem(0, null, null, false) }
            assertThrows<LoyaltyException.InvalidInput> { points.adjust(0, null) }
            assertEquals(-20L, points.adjust(-20, "Correction").points)
            assertEquals(180L, points.balance().confirmed)
        }
    }
    test("reverse, entry lookups and recent entries") {
        withClient { client, _ ->
            val points = client.points()
            val e = points.earn(100, "receipt-9", null, false)
            val rev = points.reverse(e.seq)
            assertEquals(EntryKind.REVERSE, rev.kind)
            assertEquals(-100L, rev.points)
            assertEquals(e.seq, rev.reverses)
            assertEquals(rev.seq, points.entry(e.seq).reversedBy)
            assertThrows<LoyaltyException.Conflict> { points.reverse(e.seq) }
            assertThrows<LoyaltyException.NotFound> { points.entry(999uL) }
            assertThrows<LoyaltyException.NotFound> { points.reverse(999uL) }
            assertEquals(listOf(1uL, 2uL), points.entries().map { it.seq })
            assertEquals(listOf(2uL), points.recent(1u).map { it.seq })
            assertEquals(0L, points.verify().confirmed)
        }
    }
    test("tier over the rolling window, and expiry oldest first") {
        withClient { client, clock ->
            val points = client.points()
            points.earn(1200, null, null, false)
            var tier = points.tier()
            assertEquals("Silver", tier.tier)
            assertEquals("Gold", tier.nextTier)
            assertEquals(3800L, tier.pointsToNextTier)
            // 23 months on: the tier window has passed and the points expire within 31 days.
            clock.advance(Duration.ofDays(700))
            tier = points.tier()
            assertEquals("Member", tier.tier)
            assertEquals(0L, tier.qualifyingPoints)
            val soon = points.expiringWithin(31u)
            assertEquals(1, soon.size)
            assertEquals(1200L, soon[0].points)
            assertTrue(points.expireDue().isEmpty(), "nothing is due before 24 months")
            clock.advance(Duration.ofDays(40))
            val expired = points.expireDue()
            assertEquals(listOf(-1200L), expired.map { it.points })
            assertEquals(EntryKind.EXPIRE, expired[0].kind)
            assertTrue(points.expireDue().isEmpty(), "expiry is idempotent")
            assertEquals(0L, points.balance().confirmed)
        }
    }
}

fun walletTests() {
    test("balance and wallet listeners: the value now, then each change; a cancelled one hears nothing more") {
        withClient { client, _ ->
            val points = client.points()
            val wallet = client.wallet()
            val wait = { q: LinkedBlockingQueue<*> -> assertNotNull(q.poll(10, TimeUnit.SECONDS), "a listener call") }
            val balances = LinkedBlockingQueue<Balance>()
            val balanceHandle = points.addListener(object : BalanceListener {
                override fun onBalance(balance: Balance) {
                    balances.put(balance)
                }
            })
            assertEquals(0L, (wait(balances) as Balance).confirmed)
            points.earn(120, "r1", null, false)
            assertEquals(120L, (wait(balances) as Balance).confirmed)

            val wallets = LinkedBlockingQueue<List<Voucher>>()
            val walletHandle = wallet.addListener(object : WalletListener {
                override fun onWallet(vouchers: List<Voucher>) {
                    wallets.put(vouchers)
                }
            })
            assertEquals(emptyList<Voucher>(), wait(wallets))
            wallet.add(voucher("l1"))
            assertEquals(listOf("l1"), (wait(wallets) as List<*>).map { (it as Voucher).id })
            wallet.beginRedemption("l1")
            val redeeming = (wait(wallets) as List<*>).single() as Voucher
            assertTrue(redeeming.state is VoucherState.Redeeming, "$redeeming")

            // Cancelled: no call starts afterwards. A second listener's first value shows the
            // change happened; the first heard nothing of it.
            balanceHandle.cancel()
            balanceHandle.close()
            points.earn(5, "r2", null, false)
            val later = LinkedBlockingQueue<Balance>()
            points.addListener(object : BalanceListener {
                override fun onBalance(balance: Balance) {
                    later.put(balance)
                }
            }).use { assertEquals(125L, (wait(later) as Balance).confirmed) }
            assertTrue(balances.isEmpty(), "the cancelled listener was called: $balances")
            walletHandle.close()
        }
    }
    test("usable and expiring vouchers, soonest first") {
        withClient { client, _ ->
            val wallet = client.wallet()
            wallet.add(voucher("a", days = 30))
            wallet.add(voucher("b", days = 5, kind = VoucherKind.AmountOff(eur(500), eur(2500))))
            wallet.add(voucher("later", from = T0.plus(Duration.ofDays(10))))
            wallet.add(voucher("gift", kind = VoucherKind.FreeProduct(DOG_FOOD, "Dog food 2 kg")))
            wallet.add(voucher("x2", kind = VoucherKind.PointsMultiplier(2u)))
            wallet.add(voucher("evening", kind = VoucherKind.EventInvitation(
                "Pre-sale evening", "Store 12", T0.plus(Duration.ofDays(3)), T0.plus(Duration.ofDays(3)).plusSeconds(10800),
            )))
            // Soonest end first; equal ends by id. "later" is not valid yet.
            assertEquals(listOf("b", "a", "evening", "gift", "x2"), wallet.usableNow().map { it.id })
            assertEquals(listOf("b"), wallet.expiringWithin(7u).map { it.id })
            assertEquals(6, wallet.all().size)
            assertEquals(VoucherKind.AmountOff(eur(500), eur(2500)), wallet.get("b").kind)
        }
    }
    test("offline redemption: redeeming, queued, then redeemed") {
        withClient { client, _ ->
            val wallet = client.wallet()
            wallet.add(voucher("a"))
            val r = wallet.beginRedemption("a")
            val state = r.voucher.state as VoucherState.Redeeming
            assertEquals(36, state.idempotencyKey.length)
            assertEquals(voucher("a").code, r.voucher.code)
            assertTrue(r.voucher.code.startsWith("LCV1."), r.voucher.code)
            assertEquals(state.idempotencyKey, r.outboxItem.idempotencyKey)
            assertEquals(OutboxOperation.RedeemVoucher("a"), r.outboxItem.operation)
            assertEquals(listOf(r.outboxItem), wallet.pendingRedemptions())
            assertTrue(wallet.usableNow().isEmpty())
            assertThrows<LoyaltyException.Conflict> { wallet.beginRedemption("a") }
            val done = wallet.completeRedemption("a", RedemptionOutcome.ACCEPTED)
            assertEquals(VoucherState.Redeemed(T0), done.state)
            assertTrue(wallet.pendingRedemptions().isEmpty())
            val again = assertThrows<LoyaltyException.Conflict> { wallet.beginRedemption("a") }
            assertTrue(again.reason.contains("already redeemed"), again.reason)
            assertThrows<LoyaltyException.Conflict> { wallet.completeRedemption("a", RedemptionOutcome.ACCEPTED) }
        }
    }
    test("a rejected redemption makes the voucher usable again; another device wins a race") {
        withClient { client, _ ->
            val wallet = client.wallet()
            wallet.add(voucher("a"))
            wallet.add(voucher("b"))
            wallet.beginRedemption("a")
            assertEquals(VoucherState.Available, wallet.completeRedemption("a", RedemptionOutcome.REJECTED).state)
            assertEquals(setOf("a", "b"), wallet.usableNow().map { it.id }.toSet())
            wallet.beginRedemption("b")
            assertTrue(wallet.completeRedemption("b", RedemptionOutcome.ALREADY_REDEEMED).state is VoucherState.Redeemed)
        }
    }
    test("expired, revoked, unknown and invalid vouchers") {
        withClient { client, clock ->
            val wallet = client.wallet()
            wallet.add(voucher("short", days = 1))
            wallet.add(voucher("gone"))
            assertEquals(VoucherState.Revoked, wallet.revoke("gone").state)
            assertThrows<LoyaltyException.Conflict> { wallet.beginRedemption("gone") }
            clock.advance(Duration.ofDays(2))
            assertEquals(VoucherState.Expired, wallet.get("short").state)
            val e = assertThrows<LoyaltyException.Conflict> { wallet.beginRedemption("short") }
            assertTrue(e.reason.contains("expired"), e.reason)
            assertThrows<LoyaltyException.NotFound> { wallet.get("nope") }
            assertThrows<LoyaltyException.NotFound> { wallet.beginRedemption("nope") }
            assertThrows<LoyaltyException.NotFound> { wallet.revoke("nope") }
            assertThrows<LoyaltyException.InvalidInput> { wallet.add(voucher("p", kind = VoucherKind.PercentOff(0u, null))) }
            assertThrows<LoyaltyException.InvalidInput> { wallet.add(voucher("g", kind = VoucherKind.FreeProduct("4006381333932", "Bread"))) }
            assertThrows<LoyaltyException.InvalidInput> { wallet.add(voucher("m", kind = VoucherKind.AmountOff(Money(500, "euro"), null))) }
            assertThrows<LoyaltyException.InvalidInput> { wallet.add(unsignedVoucher("w", days = 0)) }
        }
    }
    test("a voucher without the retailer's signature is refused, not listed as usable") {
        val dir = tempDir()
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), TestClock(T0), null).use { client ->
            val wallet = client.wallet()
            // No key yet: nothing can be checked, so nothing is taken.
            assertEquals(null, wallet.retailerKey())
            val noKey = assertThrows<LoyaltyException.InvalidInput> { wallet.add(voucher("a")) }
            assertTrue(noKey.reason.contains("key"), noKey.reason)
            wallet.setRetailerKey(RETAILER.publicKeyHex)
            assertEquals(RETAILER.publicKeyHex, wallet.retailerKey())
            assertThrows<LoyaltyException.InvalidInput> { wallet.setRetailerKey("not hex") }
            // Unsigned, altered after signing, or signed by someone else: refused.
            val e = assertThrows<LoyaltyException.InvalidInput> { wallet.add(unsignedVoucher("fake", kind = VoucherKind.AmountOff(eur(50000), null))) }
            assertTrue(e.reason.contains("not signed by the retailer"), e.reason)
            assertThrows<LoyaltyException.InvalidInput> { wallet.add(voucher("b").copy(kind = VoucherKind.AmountOff(eur(50000), null))) }
            val other = newVoucherKeyPair()
            val forged = unsignedVoucher("c").let { it.copy(code = signVoucherCode(it, other.signingKeyHex)) }
            assertThrows<LoyaltyException.InvalidInput> { wallet.add(forged) }
            assertTrue(wallet.all().isEmpty())
            assertTrue(wallet.usableNow().isEmpty())
            // The genuine one is taken.
            assertEquals("b", wallet.add(voucher("b")).id)
            assertEquals(listOf("b"), wallet.usableNow().map { it.id })
            client.shutdown()
        }
    }
}

fun receiptsTests() {
    test("the receipts listener: every receipt now, then after each new one") {
        withClient { client, _ ->
            val receipts = client.receipts()
            val seen = LinkedBlockingQueue<List<String>>()
            receipts.addListener(object : ReceiptsListener {
                override fun onReceipts(receipts: List<Receipt>) {
                    seen.put(receipts.map { it.id })
                }
            }).use { handle ->
                assertEquals(emptyList<String>(), seen.poll(10, TimeUnit.SECONDS))
                receipts.add(receipt("l1", T0, line(DOG_FOOD, 1, 2499, "Pet food")))
                assertEquals(listOf("l1"), seen.poll(10, TimeUnit.SECONDS))
                // The same receipt again changes nothing: no call.
                assertFalse(receipts.add(receipt("l1", T0, line(DOG_FOOD, 1, 2499, "Pet food"))))
                receipts.add(receipt("l2", T0.plus(Duration.ofDays(1)), line(ROAD_SALT, 1, 599, "Garden")))
                assertEquals(listOf("l1", "l2"), seen.poll(10, TimeUnit.SECONDS))
                handle.cancel()
            }
        }
    }
    test("names per language: kept with the receipt, picked by localizedName, tiers translated") {
        withClient { client, _ ->
            val receipts = client.receipts()
            val dog = line(DOG_FOOD, 1, 2499, "Pet food").copy(
                name = "Croquettes chien 12 kg",
                names = mapOf("nl" to "Hondenbrokken 12 kg", "fr" to "Croquettes pour chien 12 kg"),
            )
            val r = receipt("names-1", T0, dog).copy(
                storeName = "Bruxelles Centre",
                storeNames = mapOf("nl" to "Brussel Centrum"),
            )
            assertTrue(receipts.add(r))
            val kept = receipts.get("names-1")
            assertEquals(r.storeNames, kept.storeNames)
            assertEquals(dog.names, kept.lines[0].names)
            val line = kept.lines[0]
            assertEquals("Hondenbrokken 12 kg", localizedName(line.names, line.name, "nl-BE"))
            assertEquals("Croquettes pour chien 12 kg", localizedName(line.names, line.name, "fr"))
            // No English name: the retailer's own, not another language's.
            assertEquals("Croquettes chien 12 kg", localizedName(line.names, line.name, "en-GB"))
            assertEquals("Brussel Centrum", localizedName(kept.storeNames, kept.storeName, "nl"))
            assertEquals("Bruxelles Centre", localizedName(kept.storeNames, kept.storeName, "fr"))
            // A translation that breaks the rules is refused like any bad field.
            assertThrows<LoyaltyException.InvalidInput> {
                receipts.add(r.copy(id = "names-2", storeNames = mapOf("nl" to " ")))
            }
            // The points history names the store in the shopper's language, not the server's.
            val points = client.points()
            val purchase = points.earn(24, "names-1", "Purchase at Bruxelles Centre", false)
            assertEquals("Aankoop in Brussel Centrum", points.describe(purchase.seq, "nl-BE"))
            assertEquals("Achat à Bruxelles Centre", points.describe(purchase.seq, "fr"))
            val other = points.earn(5, "no-such-receipt", "Welcome bonus", false)
            assertEquals("Welcome bonus", points.describe(other.seq, "nl"))
            assertEquals(null, points.describe(points.earn(1, null, null, false).seq, "nl"))
            // The programme's tiers carry their names in each language.
            val tier = client.points().tier()
            assertEquals("Member", tier.tier)
            assertEquals("Lid", localizedName(tier.tierNames, tier.tier, "nl"))
            assertEquals("Argent", localizedName(tier.nextTierNames, tier.nextTier!!, "fr"))
        }
    }
    test("receipts: add, duplicates, queries by period, GTIN and category") {
        withClient { client, _ ->
            val receipts = client.receipts()
            val r1 = receipt("r1", T0, line(DOG_FOOD, 2, 2499, "Pet food"))
            val r2 = receipt("r2", T0.plus(Duration.ofDays(30)), line(DOG_FOOD, 1, 2499, "Pet food"), line(ROAD_SALT, 3, 599, "Garden"))
            assertTrue(receipts.add(r2))
            assertTrue(receipts.add(r1))
            assertFalse(receipts.add(r1), "the same receipt twice is harmless")
            assertThrows<LoyaltyException.Conflict> { receipts.add(r1.copy(storeName = "Elsewhere")) }
            assertEquals(r1, receipts.get("r1"))
            assertEquals(listOf("r1", "r2"), receipts.all().map { it.id })
            assertEquals(listOf("r1"), receipts.between(T0, T0.plus(Duration.ofDays(30))).map { it.id })
            assertEquals(listOf("r1", "r2"), receipts.withGtin(DOG_FOOD).map { it.id })
            assertEquals(listOf("r2"), receipts.inCategory("garden").map { it.id })
            assertEquals(Money(4296, "EUR"), receiptTotal(r2))
            // An offer's discount at the till: kept with the receipt and its title, taken off
            // the total (what was paid), not off the subtotal; one larger than its line is refused.
            val title = OfferTitle("Derde zak gratis", "Troisième sac offert", "Third bag free")
            val discounted = r2.copy(id = "r3", discounts = listOf(ReceiptDiscount(1u, "salt-3for2", title, 599)))
            assertEquals(Money(4296 - 599, "EUR"), receiptTotal(discounted))
            assertEquals(Money(4296, "EUR"), receiptSubtotal(discounted))
            assertTrue(receipts.add(discounted))
            assertEquals(discounted.discounts, receipts.get("r3").discounts)
            assertThrows<LoyaltyException.InvalidInput> {
                receiptTotal(r2.copy(discounts = listOf(ReceiptDiscount(0u, "too-much", title, 2500))))
            }
            assertThrows<LoyaltyException.NotFound> { receipts.get("nope") }
            assertThrows<LoyaltyException.InvalidInput> { receipts.withGtin("12345") }
            assertThrows<LoyaltyException.InvalidInput> { receipts.inCategory(" ") }
            assertThrows<LoyaltyException.InvalidInput> { receipts.between(T0, T0.minusSeconds(1)) }
        }
    }
    test("bad receipts are refused and nothing is stored") {
        withClient { client, _ ->
            val receipts = client.receipts()
            val negative = assertThrows<LoyaltyException.InvalidInput> {
                receipts.add(receipt("neg", T0, line(DOG_FOOD, -1, 2499, "Pet food")))
            }
            assertTrue(negative.reason.contains("quantity"), negative.reason)
            assertThrows<LoyaltyException.InvalidInput> { receipts.add(receipt("gtin", T0, line("4006381333932", 1, 100, "x"))) }
            assertThrows<LoyaltyException.InvalidInput> { receipts.add(receipt("letters", T0, line("40063813339AB", 1, 100, "x"))) }
            assertThrows<LoyaltyException.InvalidInput> { receipts.add(receipt("empty", T0)) }
            assertThrows<LoyaltyException.InvalidInput> { receiptTotal(receipt("neg", T0, line(DOG_FOOD, 0, 1, "x"))) }
            // A time chrono cannot hold, inside a record the domain defines: refused when the
            // record is lifted (the one DateTime converter), as the function's own error.
            assertThrows<LoyaltyException.InvalidInput> { receiptTotal(receipt("far", Instant.MAX, line(DOG_FOOD, 1, 100, "x"))) }
            assertThrows<LoyaltyException.InvalidInput> { receipts.add(receipt("early", Instant.MIN, line(DOG_FOOD, 1, 100, "x"))) }
            assertThrows<LoyaltyException.InvalidInput> { client.wallet().add(voucher("far").copy(validUntil = Instant.MAX)) }
            assertTrue(receipts.all().isEmpty())
        }
    }
    test("return window and warranties follow the clock") {
        withClient { client, clock ->
            val receipts = client.receipts()
            receipts.add(receipt("tv", T0, line(TV, 1, 49900, "Electronics", warrantyMonths = 24u)))
            receipts.add(receipt("salt", T0, line(ROAD_SALT, 1, 599, "Garden", lot = "L-2231")).copy(returnWindowDays = 7u))
            assertEquals(T0.plus(Duration.ofDays(30)), receipts.returnUntil("tv"))
            assertEquals(T0.plus(Duration.ofDays(7)), receipts.returnUntil("salt"))
            assertEquals(setOf("tv", "salt"), receipts.openForReturn().map { it.id }.toSet())
            clock.advance(Duration.ofDays(10))
            assertEquals(listOf("tv"), receipts.openForReturn().map { it.id })
            val w = receipts.activeWarranties()
            assertEquals(listOf(TV), w.map { it.gtin })
            assertEquals("tv", w[0].receiptId)
            assertEquals(Instant.parse("2028-03-01T09:00:00Z"), w[0].warrantyUntil)
            assertThrows<LoyaltyException.NotFound> { receipts.returnUntil("nope") }
        }
    }
}

fun lifecycleTests() {
    test("data survives shutdown and reopen; a shut-down client answers Closed") {
        val dir = tempDir()
        val clock = TestClock(T0)
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), clock, null).use { client ->
            client.points().earn(250, null, null, false)
            client.wallet().setRetailerKey(RETAILER.publicKeyHex)
            client.wallet().add(voucher("a"))
            client.wallet().beginRedemption("a")
            client.receipts().add(receipt("r1", T0, line(DOG_FOOD, 1, 2499, "Pet food")))
            client.flush()
            client.shutdown()
            val closed = assertThrows<LoyaltyException.Closed> { client.points().balance() }
            assertTrue(closed.reason.isNotBlank())
            assertThrows<LoyaltyException.Closed> { client.wallet().all() }
            assertThrows<LoyaltyException.Closed> { client.flush() }
        }
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, null).use { client ->
            assertEquals(250L, client.points().verify().confirmed)
            assertEquals(1, client.wallet().pendingRedemptions().size)
            assertEquals(1, client.receipts().all().size)
            client.shutdown()
        }
        dir.toFile().deleteRecursively()
    }
    test("a corrupt database is DatabaseCorrupt, then moved aside and replaced") {
        val dir = tempDir()
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), TestClock(T0), null).use { client ->
            client.points().earn(100, null, null, false)
            client.shutdown()
        }
        val db = dir.resolve("loyalty-core.db").resolve("db")
        val bytes = Files.readAllBytes(db)
        for (i in bytes.indices) bytes[i] = (bytes[i].toInt() xor 0x5a).toByte()
        Files.write(db, bytes)
        val e = assertThrows<LoyaltyException.DatabaseCorrupt> {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, null)
        }
        assertFalse(e.reason.contains(dir.toString()), "no paths or personal data in reasons")
        val kept = quarantineDatabase(dir.toString())
        assertTrue(Files.exists(Path.of(kept).resolve("db")), "damaged database kept at $kept")
        LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, null).use { client ->
            assertEquals(0uL, client.points().balance().entries)
            client.shutdown()
        }
        dir.toFile().deleteRecursively()
    }
    test("a file where the database should be is DatabaseCorrupt, and left alone") {
        val dir = tempDir()
        val file = dir.resolve("loyalty-core.db")
        Files.writeString(file, "not a database")
        assertThrows<LoyaltyException.DatabaseCorrupt> {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, null)
        }
        assertEquals("not a database", Files.readString(file))
        dir.toFile().deleteRecursively()
    }
}
