// Premium membership through the bindings (issue #12 part 3), against the real reference server
// started by tests/kotlin/run.sh: the retailer records a membership; the next sync brings it; the
// phone shows its status and end date offline, computes the multiplied points, and loses the
// benefits when the retailer cancels it.

import com.loyaltycore.*
import com.loyaltycore.domain.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlinx.coroutines.runBlocking

private val MEMBERSHIP_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val MEMBERSHIP_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val membershipHttp: HttpClient = HttpClient.newHttpClient()

private fun admin(method: String, path: String, json: String?): Int {
    val request = HttpRequest.newBuilder(URI.create(MEMBERSHIP_SERVER + path))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer $MEMBERSHIP_TILL")
        .method(method, if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json))
        .build()
    return membershipHttp.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()
}

fun membershipTests() {
    test("premium membership: synced, shown offline with its end date, multiplied points, cancelled") {
        val dir = Files.createTempDirectory("loyalty-membership")
        try {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, MemorySecrets()).use { c ->
                runBlocking {
                    val enrolment = c.sync().enrol(MEMBERSHIP_SERVER, null)
                    val membership = c.membership()
                    assertEquals(null, membership.current("en"))
                    val now = Instant.now().truncatedTo(ChronoUnit.SECONDS)
                    val path = "/v1/admin/members/${enrolment.memberId}/membership"
                    assertEquals(
                        200,
                        admin(
                            "PUT", path,
                            """{"plan": "plus", "name": {"nl": "Plus", "fr": "Plus", "en": "Plus"},
                               "started_at": "${now.minus(30, ChronoUnit.DAYS)}",
                               "ends_at": "${now.plus(335, ChronoUnit.DAYS)}",
                               "auto_renews": true, "points_percent": 150}""",
                        ),
                    )
                    assertEquals(400, admin("PUT", path, """{"plan": "plus"}"""))
                    c.sync().syncNow()
                    val state = membership.current("fr-BE") ?: error("no membership after the sync")
                    assertEquals(MembershipStatus.ACTIVE, state.status)
                    assertEquals(335L, state.daysLeft)
                    assertEquals(150u, state.membership.pointsPercent)
                    assertTrue(state.membership.autoRenews)
                    assertTrue(state.text.startsWith("Membre Plus. Renouvellement le"), state.text)
                    assertTrue(membership.isPremium())
                    assertEquals(65L, membership.pointsFor(43))

                    assertEquals(204, admin("DELETE", path, null))
                    c.sync().syncNow()
                    assertEquals(null, membership.current("nl"))
                    assertTrue(!membership.isPremium())
                    assertEquals(43L, membership.pointsFor(43))
                    c.shutdown()
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
