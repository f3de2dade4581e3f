// Receipt claim codes through the bindings (issue #16 part 1), against the real reference server
// started by tests/kotlin/run.sh: the till issues a signed claim code for a purchase made without
// the card; two members scan it; the first to sync gets the receipt and its points, the second is
// told "already claimed"; forged and garbage codes are refused offline with a typed reason.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlinx.coroutines.runBlocking

private val CLAIM_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val CLAIM_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val claimHttp: HttpClient = HttpClient.newHttpClient()

private fun call(method: String, path: String, json: String?, token: String?): String {
    val builder = HttpRequest.newBuilder(URI.create(CLAIM_SERVER + path))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", java.util.UUID.randomUUID().toString())
        .method(method, if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json))
    if (token != null) builder.header("Authorization", "Bearer $token")
    val response = claimHttp.send(builder.build(), HttpResponse.BodyHandlers.ofString())
    assertTrue(response.statusCode() in 200..299, "$method $path: ${response.statusCode()} ${response.body()}")
    return response.body()
}

private fun field(json: String, name: String): String =
    Regex("\"$name\"\\s*:\\s*\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: error("no $name in $json")

/** The till sells 2 × 21.95 without a card and asks for the claim code. */
private fun sellWithoutCard(): Pair<String, String> {
    val body = call(
        "POST", "/v1/till/claim-codes",
        """{"store_name": "Namur Centre", "lines": [{"gtin": "4006381333931", "name": "Croquettes 12 kg",
           "quantity": 2, "unit_price": {"amount_minor": 2195, "currency": "EUR"}, "category": "pet food"}]}""",
        CLAIM_TILL,
    )
    // The receipt comes first in the answer, so the first "id" is the receipt's.
    return field(body, "claim_code") to field(body, "id")
}

private fun twoDevices(body: suspend (LoyaltyClient, LoyaltyClient) -> Unit) {
    val dirs = listOf(Files.createTempDirectory("loyalty-claim-a"), Files.createTempDirectory("loyalty-claim-b"))
    try {
        LoyaltyClient.open(dirs[0].toString(), defaultProgrammeRules(), null, MemorySecrets()).use { a ->
            LoyaltyClient.open(dirs[1].toString(), defaultProgrammeRules(), null, MemorySecrets()).use { b ->
                runBlocking { body(a, b) }
                a.shutdown()
                b.shutdown()
            }
        }
    } finally {
        dirs.forEach { it.toFile().deleteRecursively() }
    }
}

fun receiptClaimTests() {
    test("a receipt claim code: verified offline, pending at once, first member wins, the second is told") {
        twoDevices { ann, bob ->
            val key = field(call("GET", "/v1/voucher-key", null, null), "public_key_hex")
            for (c in listOf(ann, bob)) {
                c.sync().enrol(CLAIM_SERVER, null)
                c.wallet().setRetailerKey(key)
            }
            val (code, receiptId) = sellWithoutCard()
            val queued = ann.receipts().claim(code)
            assertTrue(queued is ClaimScan.Queued, "$queued")
            val claim = (queued as ClaimScan.Queued).claim
            assertEquals(ClaimStatus.PENDING, claim.status)
            assertEquals(43L, claim.points)
            assertEquals(listOf(claim), ann.receipts().claims())
            assertTrue(receiptClaimText(claim, "fr-BE").contains("prochaine synchronisation"))
            assertEquals(ClaimScan.Refused(ClaimRefusal.ALREADY_CLAIMED), ann.receipts().claim(code), "a replay")
            assertTrue(bob.receipts().claim(code) is ClaimScan.Queued)

            ann.sync().syncNow()
            assertEquals(ClaimStatus.CLAIMED, ann.receipts().claims()[0].status)
            assertEquals(43L, ann.points().balance().confirmed)
            assertEquals(receiptId, ann.receipts().get(receiptId).id)

            val report = bob.sync().syncNow()
            assertEquals(1, report.notices.size, "$report")
            assertEquals(SyncNoticeKind.RECEIPT_ALREADY_CLAIMED, report.notices[0].kind)
            assertTrue(syncNoticeText(report.notices[0], "nl-BE").contains("al aan een klantenkaart toegevoegd"))
            val refused = bob.receipts().claims()[0]
            assertEquals(ClaimStatus.REFUSED, refused.status)
            assertEquals(ClaimRefusal.ALREADY_CLAIMED, refused.refusal)
            assertEquals(0L, bob.points().balance().confirmed)
            assertEquals(0L, bob.points().balance().pendingCredit)

            // Forged (a character of the signature changed) and garbage: refused offline, typed.
            val i = code.length - 10
            val forged = code.substring(0, i) + (if (code[i] == 'A') 'B' else 'A') + code.substring(i + 1)
            assertEquals(ClaimScan.Refused(ClaimRefusal.NOT_GENUINE), bob.receipts().claim(forged))
            assertEquals(ClaimScan.Refused(ClaimRefusal.MALFORMED), bob.receipts().claim("hello"))
            assertTrue(claimRefusalText(ClaimRefusal.OTHER_RETAILER, "nl").contains("andere winkelketen"))
        }
    }
}
