// Account deletion and export through the bindings against the real reference server on loopback
// (started by tests/kotlin/run.sh): the export holds what the server has, a deletion asked waits
// in the outbox and wipes nothing, and the sync that reaches
// the server erases the account there and then wipes the device (store and keystore); the old
// token is refused. (Offline and crash cases: tests/tests/account_e2e.rs.)

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlinx.coroutines.runBlocking

private val ACCOUNT_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val ACCOUNT_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")

private fun call(method: String, path: String, bearer: String, json: String? = null): HttpResponse<String> {
    val body = if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json)
    val request = HttpRequest.newBuilder(URI.create(ACCOUNT_SERVER + path))
        .header("Authorization", "Bearer $bearer")
        .header("Content-Type", "application/json")
        .method(method, body)
        .build()
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
}

fun accountTests() {
    test("export the account, ask for deletion offline, and the sync that reaches the server wipes the device") {
        val dir = Files.createTempDirectory("loyalty-account")
        val secrets = MemorySecrets()
        try {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, secrets).use { client ->
                runBlocking {
                    val sync = client.sync()
                    val enrolment = sync.enrol(ACCOUNT_SERVER, "Kotlin shopper")
                    val issued = call(
                        "POST", "/v1/admin/members/${enrolment.memberId}/points", ACCOUNT_TILL,
                        """{"points": 120, "kind": "adjust"}""",
                    )
                    assertTrue(issued.statusCode() in 200..299, issued.body())
                    sync.syncNow()
                    assertEquals(120L, client.points().balance().confirmed)

                    val export = sync.exportAccount()
                    assertTrue(export.contains("\"format\": \"loyalty-core-export/1\""), export)
                    assertTrue(export.contains(enrolment.memberId), export)
                    assertTrue(export.contains("\"points\": 120"), export)

                    // Asked: the request waits in the outbox for the next sync; nothing is wiped yet.
                    val token = String(assertNotNull(secrets.values["loyalty-core.sync.token"]), Charsets.UTF_8)
                    val asked = sync.requestAccountDeletion()
                    assertEquals(asked, sync.accountDeletionRequestedAt())
                    assertTrue(sync.outbox().any { it.operation == OutboxOperation.DeleteAccount })
                    assertEquals(120L, client.points().balance().confirmed)
                    assertTrue(accountText(AccountText.DELETE_PENDING, "nl-BE").contains("verwijderen"))
                    assertTrue(accountText(AccountText.DELETE_TITLE, "fr").contains("Supprimer"))

                    val report = sync.syncNow()
                    assertTrue(report.accountDeleted, "the server confirmed")
                    assertEquals(false, sync.isSignedIn())
                    assertEquals(0L, client.points().balance().confirmed)
                    assertTrue(sync.outbox().isEmpty())
                    assertTrue(secrets.values.isEmpty(), "every secret deleted: ${secrets.values.keys}")
                    assertEquals(401, call("GET", "/v1/me", token).statusCode(), "the old token is refused")
                    assertThrows<LoyaltyException.Unauthorized> { sync.exportAccount() }
                }
                client.shutdown()
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
