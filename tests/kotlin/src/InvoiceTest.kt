// Company invoices through the bindings (issue #12 part 1), against the real reference server
// started by tests/kotlin/run.sh: a purchase at the till with the member's card gives a receipt;
// the phone saves the company, asks for an invoice (checked offline, pending at once), and the
// next sync keeps the issued invoice (Peppol UBL and HTML) on the phone. A second request is a
// conflict; a bad VAT number never leaves the phone; another member's receipt is refused by the
// server with a notice.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlinx.coroutines.runBlocking

private val INVOICE_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val INVOICE_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val invoiceHttp: HttpClient = HttpClient.newHttpClient()

/** A purchase at the till with the card `cardNumber`: the new receipt's id. */
private fun tillPurchase(cardNumber: String): String {
    val request = HttpRequest.newBuilder(URI.create("$INVOICE_SERVER/v1/till/purchases"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", java.util.UUID.randomUUID().toString())
        .header("Authorization", "Bearer $INVOICE_TILL")
        .POST(HttpRequest.BodyPublishers.ofString(
            """{"card": "$cardNumber", "store_name": "Namur Centre", "lines": [{"gtin": "4006381333931",
               "name": "Croquettes 12 kg", "quantity": 2, "unit_price": {"amount_minor": 2195, "currency": "EUR"},
               "category": "pet food"}]}"""))
        .build()
    val response = invoiceHttp.send(request, HttpResponse.BodyHandlers.ofString())
    assertEquals(201, response.statusCode(), response.body())
    // The receipt comes first in the answer, so the first "id" is the receipt's.
    return Regex("\"id\"\\s*:\\s*\"([^\"]+)\"").find(response.body())?.groupValues?.get(1)
        ?: error("no receipt id in ${response.body()}")
}

private val PROXIMUS = InvoiceParty(
    name = "Proximus NV",
    street = "Koning Albert II-laan 27",
    city = "Brussel",
    postalCode = "1030",
    country = "BE",
    vatId = "BE 0202.239.951",
)

fun invoiceTests() {
    test("a company invoice: checked offline, pending at once, issued at the next sync and kept on the phone") {
        val dirs = listOf(Files.createTempDirectory("loyalty-invoice-a"), Files.createTempDirectory("loyalty-invoice-b"))
        try {
            LoyaltyClient.open(dirs[0].toString(), defaultProgrammeRules(), null, MemorySecrets()).use { ann ->
                LoyaltyClient.open(dirs[1].toString(), defaultProgrammeRules(), null, MemorySecrets()).use { bob ->
                    runBlocking {
                        val enrolment = ann.sync().enrol(INVOICE_SERVER, null)
                        bob.sync().enrol(INVOICE_SERVER, null)
                        val card = enrolment.card ?: ann.sync().syncNow().let { ann.card().memberCard() }
                        val receiptId = tillPurchase(assertNotNull(card).cardNumber)
                        ann.sync().syncNow()

                        // A bad VAT number: refused offline, the reason never repeats it.
                        val bad = assertThrows<LoyaltyException.InvalidInput> {
                            ann.receipts().setCompany(PROXIMUS.copy(vatId = "BE 0202.239.952"))
                        }
                        assertFalse(bad.toString().contains("0202"), bad.toString())
                        assertEquals(null, ann.receipts().company())
                        assertThrows<LoyaltyException.InvalidInput> { ann.receipts().requestInvoice(receiptId, null, "nl") }
                        assertThrows<LoyaltyException.InvalidInput> { ann.receipts().requestInvoice(receiptId, PROXIMUS, "de") }
                        assertTrue(ann.sync().outbox().isEmpty())

                        ann.receipts().setCompany(PROXIMUS)
                        assertEquals("BE0202239951", ann.receipts().company()?.vatId)
                        val pending = ann.receipts().requestInvoice(receiptId, null, "nl")
                        assertEquals(InvoiceStatus.PENDING, pending.status)
                        assertEquals(pending, ann.receipts().invoice(receiptId))
                        val item = ann.sync().outbox().single()
                        assertEquals(OutboxOperation.RequestInvoice(receiptId, "nl"), item.operation)
                        assertThrows<LoyaltyException.Conflict> { ann.receipts().requestInvoice(receiptId, null, "nl") }

                        val report = ann.sync().syncNow()
                        assertTrue(report.notices.isEmpty(), "$report")
                        val issued = assertNotNull(ann.receipts().invoice(receiptId))
                        assertEquals(InvoiceStatus.ISSUED, issued.status)
                        assertTrue(Regex("[0-9]{4}-[0-9]{6}").matches(assertNotNull(issued.number)), "${issued.number}")
                        val issueDate = assertNotNull(issued.issueDate)
                        assertTrue(Regex("[0-9]{4}-[0-9]{2}-[0-9]{2}").matches(issueDate), issueDate)
                        val ubl = assertNotNull(issued.ubl)
                        assertTrue(ubl.contains("<cbc:IssueDate>$issueDate</cbc:IssueDate>"), ubl)
                        assertTrue(ubl.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0"), ubl)
                        assertTrue(ubl.contains("<cbc:CompanyID>BE0202239951</cbc:CompanyID>"), ubl)
                        assertTrue(assertNotNull(issued.html).contains("<html lang=\"nl\">"))
                        assertEquals(listOf(issued), ann.receipts().invoices())
                        assertThrows<LoyaltyException.Conflict> { ann.receipts().requestInvoice(receiptId, PROXIMUS, "fr") }
                        assertTrue(ann.sync().outbox().isEmpty())

                        // Bob asks for Ann's receipt: refused by the server, told once.
                        bob.receipts().requestInvoice(receiptId, PROXIMUS, "fr")
                        val refused = bob.sync().syncNow()
                        assertEquals(1, refused.notices.size, "$refused")
                        assertEquals(SyncNoticeKind.INVOICE_UNKNOWN_RECEIPT, refused.notices[0].kind)
                        assertTrue(syncNoticeText(refused.notices[0], "nl-BE").contains("factuur"))
                        assertTrue(syncNoticeText(refused.notices[0], "fr-BE").contains("facture"))
                        val mine = assertNotNull(bob.receipts().invoice(receiptId))
                        assertEquals(InvoiceStatus.REFUSED, mine.status)
                        assertEquals(InvoiceRefusal.UNKNOWN_RECEIPT, mine.refusal)
                        bob.receipts().setCompany(null)
                        assertEquals(null, bob.receipts().company())
                    }
                    ann.shutdown()
                    bob.shutdown()
                }
            }
        } finally {
            dirs.forEach { it.toFile().deleteRecursively() }
        }
    }
}
