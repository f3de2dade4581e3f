// The push handler under Robolectric with the real core's policy: an allowed push is posted now and
// marked delivered; a push without consent, a duplicate, and a push in quiet hours are not shown
// now (the last one is scheduled for the end of quiet hours); a malformed payload throws.

package com.loyaltycore.android

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.PushOutcome
import com.loyaltycore.facade.Loyalty
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
import org.robolectric.shadows.ShadowAlarmManager
import org.robolectric.shadows.ShadowNotificationManager

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class PushHandlerTest {
    private lateinit var app: TestApp
    private lateinit var clock: ManualClock
    private lateinit var loyalty: Loyalty
    private lateinit var handler: PushHandler
    private lateinit var posted: ShadowNotificationManager
    private lateinit var alarms: ShadowAlarmManager

    @Before
    fun setUp() {
        app = RuntimeEnvironment.getApplication() as TestApp
        clock = ManualClock(T0)
        loyalty = openCore(app, clock)
        handler = PushHandler(loyalty, app.scheduler) { clock.now }
        posted = shadowOf(app.getSystemService(NotificationManager::class.java))
        alarms = shadowOf(app.getSystemService(AlarmManager::class.java))
    }

    @After
    fun tearDown() {
        if (::loyalty.isInitialized) loyalty.close()
    }

    private fun showAlarmTimes(): Map<String, Long> = alarms.scheduledAlarms
        .filter { it.intent.action == ReminderAlarmReceiver.ACTION_SHOW }
        .associate { it.intent.data!!.schemeSpecificPart to it.triggerAtMs }

    @Test
    fun anAllowedPushIsShownNowAndMarkedDelivered() = runBlocking {
        val outcome = handler.handle(pushMessage("spring-sale", "marketing", title = "Spring sale", body = "20% off garden"))
        assertTrue("$outcome", outcome is PushOutcome.Show)
        assertEquals(1, posted.size())
        val n: Notification = posted.allNotifications.single()
        assertEquals("loyalty-marketing", n.channelId)
        // Its channel exists (Android drops a notification posted to a missing channel), although
        // nothing was scheduled before this push.
        assertTrue(posted.notificationChannels.any { it.id == n.channelId })
        assertEquals("Spring sale", n.extras.getString(Notification.EXTRA_TITLE))
        assertEquals("20% off garden", n.extras.getCharSequence(Notification.EXTRA_TEXT).toString())
        assertEquals("loyalty://offers/spring-sale", shadowOf(n.contentIntent).savedIntent.dataString)
        assertTrue("nothing scheduled for later", showAlarmTimes().isEmpty())

        // Marked delivered: the same push again is held back by the core, and not posted twice.
        val again = handler.handle(pushMessage("spring-sale", "marketing", title = "Spring sale", body = "20% off garden"))
        assertTrue("$again", again is PushOutcome.Suppressed)
        assertEquals(1, posted.size())
    }

    @Test
    fun aServicePushGoesToTheServiceChannel() = runBlocking {
        val outcome = handler.handle(pushMessage("card-ready", "service"))
        assertTrue("$outcome", outcome is PushOutcome.Show)
        assertEquals("loyalty-service", posted.allNotifications.single().channelId)
    }

    @Test
    fun aPushWithoutConsentIsDropped() = runBlocking {
        val settings = loyalty.reminderSettings()
        loyalty.setReminderSettings(settings.copy(consent = settings.consent.copy(marketing = false)))
        val outcome = handler.handle(pushMessage("summer-sale", "marketing"))
        assertTrue("$outcome", outcome is PushOutcome.Suppressed)
        assertEquals("no_consent", (outcome as PushOutcome.Suppressed).reason)
        assertEquals(0, posted.size())
        assertTrue(showAlarmTimes().isEmpty())
    }

    @Test
    fun aPushInQuietHoursIsNotShownNowButAtTheirEnd() = runBlocking {
        clock.now = Instant.parse("2026-03-02T22:30:00Z") // 23:30 local
        val outcome = handler.handle(pushMessage("late-news", "service"))
        assertTrue("$outcome", outcome is PushOutcome.Show)
        val at = (outcome as PushOutcome.Show).notification.at
        assertEquals(Instant.parse("2026-03-03T07:00:00Z"), at) // 08:00 local
        assertEquals(0, posted.size())
        assertEquals(mapOf("push:late-news" to at.toEpochMilli()), showAlarmTimes())
    }

    @Test
    fun blockedNotificationsAreNotMarkedDelivered() = runBlocking {
        posted.setNotificationsEnabled(false)
        val outcome = handler.handle(pushMessage("blocked", "service"))
        assertTrue("$outcome", outcome is PushOutcome.Show)
        assertEquals(0, posted.size())
        // Not delivered: once notifications are allowed again, the core still offers it.
        posted.setNotificationsEnabled(true)
        assertTrue(handler.handle(pushMessage("blocked", "service")) is PushOutcome.Show)
        assertEquals(1, posted.size())
    }

    @Test
    fun aMalformedPayloadThrowsInvalidInput() {
        assertThrowsKt<LoyaltyException.InvalidInput> { runBlocking { handler.handle("{\"version\": 1") } }
        assertEquals(0, posted.size())
    }
}
