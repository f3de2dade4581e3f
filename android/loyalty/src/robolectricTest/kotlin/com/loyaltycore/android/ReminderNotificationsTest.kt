// The notification scheduler under Robolectric, driven by the real core's reminder plan: alarms at
// the planned times (quiet hours applied by the core), one channel per category, the notification
// an alarm posts with its deep link, alarms cancelled when the plan drops them, and the plan
// rescheduled after a reboot and after a time-zone change.

package com.loyaltycore.android

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import android.content.Intent
import android.net.Uri
import com.loyaltycore.domain.NotificationCategory
import com.loyaltycore.PushOutcome
import com.loyaltycore.domain.SuppressReason
import com.loyaltycore.facade.Loyalty
import java.time.Instant
import java.util.TimeZone
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAlarmManager

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class ReminderNotificationsTest {
    private lateinit var app: TestApp
    private lateinit var clock: ManualClock
    private lateinit var loyalty: Loyalty
    private lateinit var alarms: ShadowAlarmManager
    private lateinit var notifications: NotificationManager

    /** 10:00 local: outside quiet hours, shown at its send time. */
    private val marketingAt: Instant = Instant.parse("2026-03-02T09:00:00Z")

    /** 23:00 local: inside quiet hours (22:00-08:00), so the core moves it to 08:00 the next day. */
    private val serviceSentAt: Instant = Instant.parse("2026-03-02T22:00:00Z")
    private val serviceAt: Instant = Instant.parse("2026-03-03T07:00:00Z")

    @Before
    fun setUp() {
        app = RuntimeEnvironment.getApplication() as TestApp
        clock = ManualClock(T0)
        loyalty = openCore(app, clock)
        alarms = shadowOf(app.getSystemService(AlarmManager::class.java))
        notifications = app.getSystemService(NotificationManager::class.java)
    }

    @After
    fun tearDown() {
        if (::loyalty.isInitialized) loyalty.close()
    }

    /** Two pushes for later through the handler: the core keeps them and plans them. */
    private fun planTwoReminders(): List<com.loyaltycore.PlannedNotification> = runBlocking {
        val handler = PushHandler(loyalty, app.scheduler) { clock.now }
        val a = handler.handle(pushMessage("spring", "marketing", sendAt = marketingAt))
        val b = handler.handle(pushMessage("receipt-ready", "service", sendAt = serviceSentAt))
        assertTrue("marketing push is planned: $a", a is PushOutcome.Show)
        assertTrue("service push is planned: $b", b is PushOutcome.Show)
        loyalty.reminderPlan().items
    }

    private fun showAlarms() = alarms.scheduledAlarms.filter {
        it.intent.action == ReminderAlarmReceiver.ACTION_SHOW
    }

    private fun replanAlarms() = alarms.scheduledAlarms.filter {
        it.intent.action == ReminderAlarmReceiver.ACTION_REPLAN
    }

    private fun alarmIds(): Map<String, Long> = showAlarms().associate {
        it.intent.data!!.schemeSpecificPart to it.triggerAtMs
    }

    @Test
    fun planBecomesAlarmsAtThePlannedTimesWithQuietHoursFromTheCore() = runBlocking {
        val items = planTwoReminders()
        assertEquals(listOf("push:spring", "push:receipt-ready"), items.map { it.id })
        val byId = items.associateBy { it.id }
        // The core applied quiet hours: 23:00 local became 08:00 local the next morning.
        assertEquals(marketingAt, byId.getValue("push:spring").at)
        assertEquals(serviceAt, byId.getValue("push:receipt-ready").at)

        assertEquals(
            mapOf("push:spring" to marketingAt.toEpochMilli(), "push:receipt-ready" to serviceAt.toEpochMilli()),
            alarmIds(),
        )
        for (alarm in showAlarms()) {
            assertEquals(AlarmManager.RTC_WAKEUP, alarm.getType())
            assertTrue("inexact, allowed while idle", alarm.isAllowWhileIdle)
            val pending = shadowOf(alarm.sent)
            assertTrue(pending.isBroadcast)
            assertTrue(pending.isImmutable)
            assertEquals(ReminderAlarmReceiver::class.java.name, pending.savedIntent.component!!.className)
            val id = pending.savedIntent.data!!.schemeSpecificPart
            assertEquals(byId.getValue(id).title, pending.savedIntent.getStringExtra("title"))
        }
        // No alarm of the plan falls in quiet hours (22:00-08:00 at UTC+1).
        for (t in alarmIds().values) {
            val minute = Math.floorMod(Instant.ofEpochMilli(t).epochSecond / 60 + TEST_OFFSET_MINUTES, 24 * 60L)
            assertTrue("alarm at local minute $minute is outside quiet hours", minute >= 8 * 60 && minute < 22 * 60)
        }
        // And one re-plan alarm at the plan's recomputeAt.
        val replan = replanAlarms().single()
        assertEquals(loyalty.reminderPlan().recomputeAt.toEpochMilli(), replan.triggerAtMs)
        // The context the core plans with has the device's UTC offset.
        assertEquals(TEST_OFFSET_MINUTES, loyalty.reminderContext().localUtcOffsetMinutes)
    }

    @Test
    fun oneChannelPerCategory() {
        app.scheduler.ensureChannels()
        val channels = shadowOf(notifications).notificationChannels.associateBy { it.id }
        assertEquals(setOf("loyalty-safety", "loyalty-service", "loyalty-marketing"), channels.keys)
        for (category in NotificationCategory.entries) {
            assertNotNull(channels[ReminderNotifications.channelId(category)])
        }
        assertEquals(NotificationManager.IMPORTANCE_HIGH, channels.getValue("loyalty-safety").importance)
        assertEquals(NotificationManager.IMPORTANCE_DEFAULT, channels.getValue("loyalty-service").importance)
        assertEquals(NotificationManager.IMPORTANCE_LOW, channels.getValue("loyalty-marketing").importance)
        assertEquals("Safety recalls", channels.getValue("loyalty-safety").name)
        assertEquals("Offers and reminders", channels.getValue("loyalty-marketing").name)
        assertEquals("Vouchers about to expire, receipts, your card", channels.getValue("loyalty-service").description)
    }

    @Test
    fun firedAlarmPostsInItsChannelWithTheDeepLinkAndTheCoreMarksItDelivered() = runBlocking {
        planTwoReminders()
        val alarm = showAlarms().single { it.intent.data!!.schemeSpecificPart == "push:spring" }
        clock.now = marketingAt
        fireAndWait(app, alarms, alarm)

        val posted = shadowOf(notifications).allNotifications
        assertEquals(1, posted.size)
        val n: Notification = posted.single()
        assertEquals("loyalty-marketing", n.channelId)
        assertEquals("Title spring", n.extras.getString(Notification.EXTRA_TITLE))
        assertEquals("Body spring", n.extras.getCharSequence(Notification.EXTRA_TEXT).toString())
        assertEquals(Notification.CATEGORY_REMINDER, n.category)
        assertEquals(TestApp.SMALL_ICON, n.smallIcon.resId)
        val why = n.extras.getCharSequence(Notification.EXTRA_BIG_TEXT).toString()
        assertTrue("the big text holds the body and the reason: $why", why.startsWith("Body spring\n\n") && why.length > "Body spring\n\n".length)

        val tap = shadowOf(n.contentIntent)
        assertTrue("the tap opens an activity", tap.isActivity)
        assertTrue(tap.isImmutable)
        assertEquals(Intent.ACTION_VIEW, tap.savedIntent.action)
        assertEquals(Uri.parse("loyalty://offers/spring"), tap.savedIntent.data)
        assertEquals(app.packageName, tap.savedIntent.`package`)
        assertFalse(tap.savedIntent.getStringExtra(ReminderNotifications.EXTRA_REASON).isNullOrBlank())

        // The receiver told the core: the next plan no longer holds it.
        val plan = loyalty.reminderPlan()
        assertEquals(listOf("push:receipt-ready"), plan.items.map { it.id })
        assertEquals(SuppressReason.ALREADY_DELIVERED, plan.suppressed.single { it.id == "push:spring" }.why)
    }

    @Test
    fun replanCancelsTheAlarmsTheNewPlanDrops() = runBlocking {
        planTwoReminders()
        assertEquals(setOf("push:spring", "push:receipt-ready"), alarmIds().keys)
        loyalty.dismissReminder("push:spring")
        assertEquals(1, replanReminders(loyalty, app.scheduler))
        assertEquals(mapOf("push:receipt-ready" to serviceAt.toEpochMilli()), alarmIds())
        assertEquals("still one re-plan alarm", 1, replanAlarms().size)

        app.scheduler.cancelAll()
        assertTrue("cancelAll leaves no alarm: ${alarms.scheduledAlarms.size}", alarms.scheduledAlarms.isEmpty())
    }

    @Test
    fun bootCompletedReschedulesThePlan() = runBlocking {
        planTwoReminders()
        val before = alarmIds()
        assertEquals(2, before.size)
        // A reboot loses every alarm.
        val manager = app.getSystemService(AlarmManager::class.java)
        for (alarm in alarms.scheduledAlarms.toList()) manager.cancel(alarm.sent)
        assertTrue(alarms.scheduledAlarms.isEmpty())

        broadcastAndWait(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        assertEquals(before, alarmIds())
        assertEquals(1, replanAlarms().size)
    }

    @Test
    fun timeZoneChangeReplansWithTheNewOffset() = runBlocking {
        planTwoReminders()
        // The shopper flies to UTC+2: quiet hours end at 08:00 there, i.e. 06:00 UTC.
        TimeZone.setDefault(TimeZone.getTimeZone("GMT+02:00"))
        broadcastAndWait(app, Intent(Intent.ACTION_TIMEZONE_CHANGED))
        assertEquals(120, loyalty.reminderContext().localUtcOffsetMinutes)
        assertEquals(
            Instant.parse("2026-03-03T06:00:00Z").toEpochMilli(),
            alarmIds().getValue("push:receipt-ready"),
        )
        assertEquals(marketingAt.toEpochMilli(), alarmIds().getValue("push:spring"))
    }

    @Test
    fun theReplanAlarmReplansWhenItFires() = runBlocking {
        planTwoReminders()
        val replan = replanAlarms().single()
        // Meanwhile the shopper withdrew marketing consent (through the core, not the scheduler).
        val settings = loyalty.reminderSettings()
        loyalty.setReminderSettings(settings.copy(consent = settings.consent.copy(marketing = false)))
        assertEquals(setOf("push:spring", "push:receipt-ready"), alarmIds().keys)
        fireAndWait(app, alarms, replan)
        assertEquals(mapOf("push:receipt-ready" to serviceAt.toEpochMilli()), alarmIds())
        assertEquals(1, replanAlarms().size)
    }
}
