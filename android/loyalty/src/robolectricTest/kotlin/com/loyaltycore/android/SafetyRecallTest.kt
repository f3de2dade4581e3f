// A recall through the push handler with the real core and the reference server (android/check.sh
// starts it and passes its address): the shopper's receipt arrives by sync, the recall push of
// a product on it is matched on the device and posted in the safety channel; a recall of a product
// the shopper did not buy shows nothing.

package com.loyaltycore.android

import android.app.Notification
import android.app.NotificationManager
import com.loyaltycore.PushOutcome
import com.loyaltycore.facade.Loyalty
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class SafetyRecallTest {
    private val server: String = System.getProperty("loyalty.serverUrl") ?: error("loyalty.serverUrl not set")
    private val tillToken: String = System.getProperty("loyalty.tillToken") ?: error("loyalty.tillToken not set")
    private lateinit var app: TestApp
    private lateinit var loyalty: Loyalty
    private val now: Instant = Instant.now()

    @Before
    fun setUp() {
        app = RuntimeEnvironment.getApplication() as TestApp
        // The server's clock is the wall clock, so the core's is too here; no quiet hours, so the
        // test does not depend on the hour it runs at.
        loyalty = openCore(app, ManualClock(now))
        runBlocking { loyalty.setReminderSettings(loyalty.reminderSettings().copy(quietHours = null)) }
    }

    @After
    fun tearDown() {
        if (::loyalty.isInitialized) loyalty.close()
    }

    private fun admin(path: String, json: String) {
        val request = HttpRequest.newBuilder(URI.create(server + path))
            .header("Authorization", "Bearer $tillToken")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
        assertTrue("admin $path: ${response.statusCode()} ${response.body()}", response.statusCode() in 200..299)
    }

    private fun recall(id: String, gtin: String): String =
        """{"version": 1, "type": "recall", "id": "$id", "gtins": ["$gtin"],
            "sold_from": "${now - Duration.ofDays(30)}", "sold_until": "$now",
            "published_at": "${now - Duration.ofHours(1)}",
            "product": {"en": "Dog food"}, "instructions": {"en": "Return it to the store for a refund."},
            "urgent": true, "deep_link": "loyalty://recalls/$id"}"""

    @Test
    fun aRecallOfABoughtProductIsPostedInTheSafetyChannel() = runBlocking {
        val enrolment = loyalty.enrol(server, null)
        val receiptId = "robolectric-" + System.nanoTime()
        admin(
            "/v1/admin/members/${enrolment.memberId}/receipts",
            """{"receipt": {"id": "$receiptId", "store_name": "Store 12", "purchased_at": "${now - Duration.ofDays(2)}",
               "lines": [{"gtin": "4006381333931", "name": "Dog food", "quantity": 1, "unit_price": {"amount_minor": 2499, "currency": "EUR"}, "category": "Pet food"}],
               "source": "till"}}""",
        )
        loyalty.syncNow()
        assertEquals(listOf(receiptId), loyalty.receipts().map { it.id })

        val handler = PushHandler(loyalty, app.scheduler) { now }
        val posted = shadowOf(app.getSystemService(NotificationManager::class.java))

        val notBought = handler.handle(recall("R-other", "5000000000005"))
        assertTrue("$notBought", notBought is PushOutcome.NotShown)
        assertEquals(0, posted.size())

        val outcome = handler.handle(recall("R-dog-food", "4006381333931"))
        assertTrue("$outcome", outcome is PushOutcome.Show)
        val n: Notification = posted.allNotifications.single()
        assertEquals("loyalty-safety", n.channelId)
        assertEquals(Notification.CATEGORY_ALARM, n.category)
        assertEquals("loyalty://recalls/R-dog-food", shadowOf(n.contentIntent).savedIntent.dataString)
        val channel = shadowOf(app.getSystemService(NotificationManager::class.java)).notificationChannels
            .single { it.id == n.channelId }
        assertEquals(NotificationManager.IMPORTANCE_HIGH, channel.importance)
    }
}
