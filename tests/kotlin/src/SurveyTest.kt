// Surveys and votes through the bindings (issue #12 part 4), against the real reference server
// started by tests/kotlin/run.sh: the retailer publishes the surveys feed; after two purchases the
// phone lists the satisfaction survey and a vote, answers both offline (once each; an answer that
// does not fit the question is InvalidInput), and the next sync gets both counted in one go.

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

private val SURVEY_SERVER: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
private val SURVEY_TILL: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
private val surveyHttp: HttpClient = HttpClient.newHttpClient()

private fun surveyCall(method: String, path: String, json: String) {
    val request = HttpRequest.newBuilder(URI.create(SURVEY_SERVER + path))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer $SURVEY_TILL")
        .method(method, HttpRequest.BodyPublishers.ofString(json))
        .build()
    val response = surveyHttp.send(request, HttpResponse.BodyHandlers.ofString())
    assertTrue(response.statusCode() in 200..299, "$method $path: ${response.statusCode()} ${response.body()}")
}

private fun text(s: String) = """{"nl": "$s (nl)", "fr": "$s (fr)", "en": "$s"}"""

fun surveyTests() {
    test("surveys: listed after the second purchase, answered offline once, counted by the next sync") {
        val dir = Files.createTempDirectory("loyalty-survey")
        try {
            LoyaltyClient.open(dir.toString(), defaultProgrammeRules(), null, MemorySecrets()).use { c ->
                runBlocking {
                    val enrolment = c.sync().enrol(SURVEY_SERVER, null)
                    val now = Instant.now()
                    val opens = now.minus(1, ChronoUnit.DAYS)
                    val closes = now.plus(30, ChronoUnit.DAYS)
                    surveyCall(
                        "PUT", "/v1/admin/content/surveys",
                        """{"surveys": [
                          {"id": "kt-visit", "kind": {"type": "rating"}, "question": ${text("How was your visit?")},
                           "audience": "second_purchase", "opens_at": "$opens", "closes_at": "$closes"},
                          {"id": "kt-coffee", "kind": {"type": "vote", "options": [
                             {"id": "arabica", "label": ${text("Arabica")}},
                             {"id": "espresso", "label": ${text("Espresso")}}]},
                           "question": ${text("Which coffee?")}, "audience": "everyone",
                           "opens_at": "$opens", "closes_at": "$closes"}]}""",
                    )
                    for (i in 1..2) {
                        surveyCall(
                            "POST", "/v1/admin/members/${enrolment.memberId}/receipts",
                            """{"receipt": {"id": "kt-survey-$i-${System.nanoTime()}", "store_name": "Namur Centre",
                               "purchased_at": "${now.minus(i.toLong(), ChronoUnit.DAYS)}",
                               "lines": [{"gtin": "4006381333931", "name": "Café", "quantity": 1,
                                 "unit_price": {"amount_minor": 499, "currency": "EUR"}, "category": "coffee"}],
                               "source": "server"}, "credit_points": true}""",
                        )
                    }
                    c.sync().syncNow()
                    val surveys = c.surveys()
                    val listed = surveys.list()
                    assertEquals(listOf("kt-visit", "kt-coffee"), listed.map { it.survey.id })
                    assertEquals("How was your visit? (fr)", listed[0].survey.question.fr)
                    assertEquals(SurveyAudience.SECOND_PURCHASE, listed[0].survey.audience)
                    val vote = listed[1].survey.kind as SurveyKind.Vote
                    assertEquals(listOf("arabica", "espresso"), vote.options.map { it.id })

                    val given = surveys.answer("kt-visit", SurveyAnswer.Rating(4u))
                    assertTrue(given is SurveyAnswered.Queued, "$given")
                    assertEquals(SurveyAnswerStatus.PENDING, (given as SurveyAnswered.Queued).answer.status)
                    assertEquals(
                        SurveyAnswered.Refused(SurveyRefusal.ALREADY_ANSWERED),
                        surveys.answer("kt-visit", SurveyAnswer.Rating(2u)),
                    )
                    assertThrows<LoyaltyException.InvalidInput> { surveys.answer("kt-coffee", SurveyAnswer.Rating(3u)) }
                    assertThrows<LoyaltyException.InvalidInput> { surveys.answer("kt-coffee", SurveyAnswer.Vote("decaf")) }
                    assertEquals(
                        SurveyAnswered.Refused(SurveyRefusal.UNKNOWN),
                        surveys.answer("kt-nothing", SurveyAnswer.Rating(3u)),
                    )
                    assertTrue(surveys.answer("kt-coffee", SurveyAnswer.Vote("espresso")) is SurveyAnswered.Queued)
                    assertEquals(SurveyAnswer.Vote("espresso"), surveys.list()[1].answer?.answer)
                    assertEquals(2, c.sync().outbox().size)

                    val report = c.sync().syncNow()
                    assertEquals(2u, report.outboxResolved, "$report")
                    assertTrue(surveys.answers().all { it.status == SurveyAnswerStatus.COUNTED }, "${surveys.answers()}")
                    assertTrue(surveyRefusalText(SurveyRefusal.NOT_ELIGIBLE, "nl-BE").contains("twee keer"))
                    assertTrue(surveyRefusalText(SurveyRefusal.CLOSED, "fr").contains("terminée"))
                    assertTrue(surveyRefusalText(SurveyRefusal.ALREADY_ANSWERED, "en").contains("already answered"))
                    c.shutdown()
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
