// Signed receipts with selective disclosure through the bindings (issue #12 part 2), against the
// real reference server started by tests/kotlin/run.sh: a purchase with the card, synced into the
// phone's store with the retailer's seal; the phone makes the proof of one line offline; a store
// app verifies it offline with the retailer's key and sees that line only; an altered proof and
// garbage are refused with a typed reason and a text in nl, fr and en.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.Base64
import kotlinx.coroutines.runBlocking

private val PROOF_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val PROOF_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val proofHttp: HttpClient = HttpClient.newHttpClient()

private fun proofCall(method: String, path: String, json: String?, token: String?): Pair<Int, String> {
    val builder = HttpRequest.newBuilder(URI.create(PROOF_SERVER + path))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", java.util.UUID.randomUUID().toString())
        .method(method, if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json))
    if (token != null) builder.header("Authorization", "Bearer $token")
    val response = proofHttp.send(builder.build(), HttpResponse.BodyHandlers.ofString())
    return response.statusCode() to response.body()
}

private fun proofField(json: String, name: String): String =
    Regex("\"$name\"\\s*:\\s*\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: error("no $name in $json")

fun receiptProofTests() {
    test("a receipt line proof: made offline from the seal, verified offline by the store, shows one line") {
        val dir = Files.createTempDirectory("loyalty-proof")
        try {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, MemorySecrets()).use { c ->
                runBlocking {
                    c.sync().enrol(PROOF_SERVER, null)
                    val key = proofField(proofCall("GET", "/v1/voucher-key", null, null).second, "public_key_hex")
                    c.wallet().setRetailerKey(key)
                    val card = c.card().rotatingCode().payload
                    val (status, bought) = proofCall(
                        "POST", "/v1/till/purchases",
                        """{"card": "$card", "store_name": "Namur Centre", "lines": [
                           {"gtin": "4006381333931", "name": "Bouilloire 1,7 l", "quantity": 1,
                            "unit_price": {"amount_minor": 3999, "currency": "EUR"}, "category": "ménage",
                            "warranty_months": 24},
                           {"gtin": "96385074", "name": "Test de grossesse", "quantity": 1,
                            "unit_price": {"amount_minor": 1299, "currency": "EUR"}, "category": "santé"}]}""",
                        PROOF_TILL,
                    )
                    assertEquals(201, status, bought)
                    val receiptId = proofField(bought, "id")
                    c.sync().syncNow()
                    val receipt = c.receipts().get(receiptId)
                    assertTrue(receipt.seal != null, "the synced receipt carries the retailer's seal")

                    val proof = c.receipts().lineProof(receiptId, 0u)
                    assertTrue(proof.startsWith("LRP1.") && proof.length < 700, proof)
                    val payload = String(Base64.getUrlDecoder().decode(proof.split('.')[2]))
                    assertTrue(payload.contains("Bouilloire"), payload)
                    assertTrue(!payload.contains("grossesse"), "the other line stays hidden")

                    val verdict = verifyReceiptLineProof(proof, key)
                    assertTrue(verdict is ProofVerdict.Genuine, "$verdict")
                    val line = (verdict as ProofVerdict.Genuine).line
                    assertEquals(receiptId, line.receiptId)
                    assertEquals("Namur Centre", line.storeName)
                    assertEquals("Bouilloire 1,7 l", line.name)
                    assertEquals(3999L, line.paidMinor)
                    assertEquals(0u, line.lineIndex)
                    assertEquals(2u, line.lineCount)
                    assertTrue(line.warrantyUntil != null, "24 months of warranty")

                    // A cheaper price written into the proof: not genuine.
                    val cheaper = payload.replace("\"u\":3999", "\"u\":999")
                    assertTrue(cheaper != payload)
                    val parts = proof.split('.')
                    val altered = listOf(
                        parts[0], parts[1],
                        Base64.getUrlEncoder().withoutPadding().encodeToString(cheaper.toByteArray()), parts[3],
                    ).joinToString(".")
                    val refused = verifyReceiptLineProof(altered, key)
                    assertEquals(ProofRefusal.NOT_GENUINE, (refused as ProofVerdict.Refused).refusal)
                    assertEquals(ProofRefusal.MALFORMED, (verifyReceiptLineProof("hello", key) as ProofVerdict.Refused).refusal)
                    assertTrue(proofRefusalText(ProofRefusal.NOT_GENUINE, "fr-BE").contains("pas valable"))
                    assertTrue(proofRefusalText(ProofRefusal.OTHER_RETAILER, "nl-BE").contains("andere winkelketen"))
                    assertTrue(proofRefusalText(ProofRefusal.MALFORMED, "en").contains("proof of purchase"))

                    // The till API agrees.
                    val (ok, checked) = proofCall("POST", "/v1/till/receipt-proofs", """{"proof": "$proof"}""", PROOF_TILL)
                    assertEquals(200, ok, checked)
                    val (no, _) = proofCall("POST", "/v1/till/receipt-proofs", """{"proof": "$altered"}""", PROOF_TILL)
                    assertEquals(422, no)

                    // No such line, and a key that is not a key: typed errors.
                    assertThrows<LoyaltyException.InvalidInput> { c.receipts().lineProof(receiptId, 2u) }
                    assertThrows<LoyaltyException.NotFound> { c.receipts().lineProof("no-such-receipt", 0u) }
                    assertThrows<LoyaltyException.InvalidInput> { verifyReceiptLineProof(proof, "not a key") }
                    c.shutdown()
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
