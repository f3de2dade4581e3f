// What the Robolectric tests share: the test Application (a LoyaltyHost), the core's clock moved by
// the tests, a real Loyalty Core opened in the app's private storage, push payloads, and the
// delivery of a broadcast to the manifest's ReminderAlarmReceiver up to its goAsync() finish.

package com.loyaltycore.android

import android.app.Application
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Intent
import android.os.Looper
import com.loyaltycore.Clock
import com.loyaltycore.domain.Consent
import com.loyaltycore.domain.QuietHours
import com.loyaltycore.SecretStore
import com.loyaltycore.facade.Loyalty
import java.io.File
import java.time.Instant
import java.util.TimeZone
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowAlarmManager

/** The app under test: the services find their Loyalty and scheduler through it, as in an app. */
class TestApp : Application(), LoyaltyHost {
    /** What [loyalty] does; each test sets it (a real core, or a failure to survive). */
    @Volatile
    var loyaltyProvider: suspend () -> Loyalty = { throw IllegalStateException("this test opened no Loyalty") }

    /** What [reminderNotifications] does; a test may make it fail. */
    @Volatile
    var schedulerProvider: () -> ReminderNotifications = { scheduler }

    val scheduler: ReminderNotifications by lazy { ReminderNotifications(this, TEXTS, SMALL_ICON) }

    override suspend fun loyalty(): Loyalty = loyaltyProvider()

    override val reminderNotifications: ReminderNotifications get() = schedulerProvider()

    companion object {
        val TEXTS = ReminderNotifications.ChannelTexts(
            safetyName = "Safety recalls",
            safetyDescription = "Products you bought that are recalled",
            serviceName = "Your account",
            serviceDescription = "Vouchers about to expire, receipts, your card",
            marketingName = "Offers and reminders",
            marketingDescription = "Time to restock, seasonal tips, offers",
        )

        /** A framework drawable, so the notification has a real small icon. */
        val SMALL_ICON: Int = android.R.drawable.ic_dialog_info
    }
}

/** The core's clock: the tests move it; the core never reads the wall clock. */
class ManualClock(@Volatile var now: Instant) : Clock {
    override fun now(): Instant = now
}

/** An in-memory SecretStore (the reminders tests do not need the Keystore store). */
class MemorySecrets : SecretStore {
    private val values = ConcurrentHashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = values[key]
    override fun put(key: String, value: ByteArray) {
        values[key] = value.copyOf()
    }
    override fun delete(key: String) {
        values.remove(key)
    }
}

/** Monday 2 March 2026, 08:00 in the test time zone (UTC+1). */
val T0: Instant = Instant.parse("2026-03-02T07:00:00Z")

/** The device's time zone in these tests: fixed at UTC+1 (no DST, so no dependence on the date). */
const val TEST_ZONE = "GMT+01:00"
const val TEST_OFFSET_MINUTES = 60

/** Quiet hours 22:00-08:00 local, as the core's default. */
val QUIET = QuietHours(startMinute = (22 * 60).toUShort(), endMinute = (8 * 60).toUShort())

/**
 * A real Loyalty Core (the Rust library through the Android-flavour bindings) in the app's
 * no-backup directory, with every consent given, quiet hours 22:00-08:00, English, on a manual
 * clock at [T0]; [app] hands it to the services. Close it at the end of the test.
 */
fun openCore(app: TestApp, clock: ManualClock = ManualClock(T0), secrets: SecretStore = MemorySecrets()): Loyalty =
    runBlocking {
        TimeZone.setDefault(TimeZone.getTimeZone(TEST_ZONE))
        val dir = File(app.noBackupFilesDir, "loyalty-core")
        val loyalty = Loyalty.open(dir, secrets, clock = clock)
        loyalty.setReminderSettings(
            loyalty.reminderSettings().copy(
                language = "en",
                consent = Consent(marketing = true, service = true, safety = true, location = false),
                quietHours = QUIET,
            ),
        )
        loyalty.setReminderContext(loyalty.reminderContext().copy(localUtcOffsetMinutes = TEST_OFFSET_MINUTES))
        app.loyaltyProvider = { loyalty }
        loyalty
    }

/** A retailer's push message (the core's push format, version 1). */
fun pushMessage(
    id: String,
    category: String,
    sendAt: Instant? = null,
    deepLink: String = "loyalty://offers/$id",
    title: String = "Title $id",
    body: String = "Body $id",
): String {
    val send = if (sendAt != null) ""","send_at": "$sendAt"""" else ""
    return """{"version": 1, "type": "message", "id": "$id", "category": "$category",
        "title": {"en": "$title"}, "body": {"en": "$body"}, "deep_link": "$deepLink"$send}"""
}

/** Throwables that reached a thread's uncaught-exception handler (on a device: a crash). */
object Uncaught {
    val seen = CopyOnWriteArrayList<Throwable>()
    private var previous: Thread.UncaughtExceptionHandler? = null

    fun install() {
        seen.clear()
        previous = Thread.getDefaultUncaughtExceptionHandler()
        Thread.setDefaultUncaughtExceptionHandler { _, e -> seen += e }
    }

    fun uninstall() {
        Thread.setDefaultUncaughtExceptionHandler(previous)
    }
}

/** The manifest's ReminderAlarmReceiver instance, as Robolectric registered it for the app. */
fun manifestReceiver(app: Application): BroadcastReceiver {
    val wrappers = shadowOf(app).registeredReceivers.filter { it.broadcastReceiver is ReminderAlarmReceiver }
    assertTrue("ReminderAlarmReceiver is registered from the manifest (${wrappers.size})", wrappers.size == 1)
    return wrappers.single().broadcastReceiver
}

/**
 * Delivers what [send] broadcasts to the manifest's receiver on the main looper and waits (no
 * sleep: on the future Robolectric completes at `PendingResult.finish()`) until the receiver's
 * background work is done.
 */
fun deliverToReceiver(app: Application, send: () -> Unit) {
    val receiver = manifestReceiver(app)
    val before = shadowOf(receiver).originalPendingResult
    send()
    shadowOf(Looper.getMainLooper()).idle()
    val shadow = shadowOf(receiver)
    val pending = shadow.originalPendingResult
    assertNotNull("the receiver got the broadcast", pending)
    assertTrue("a new broadcast reached the receiver", pending !== before)
    assertTrue("the receiver went async (goAsync)", shadow.wentAsync())
    shadowOf(pending).future.get(30, TimeUnit.SECONDS)
}

/** Sends [intent] as the system would (a boot, a time-zone change) and waits for the receiver. */
fun broadcastAndWait(app: Application, intent: Intent) = deliverToReceiver(app) { app.sendBroadcast(intent) }

/** Fires [alarm] (its PendingIntent is sent, as AlarmManager would) and waits for the receiver. */
fun fireAndWait(app: Application, alarms: ShadowAlarmManager, alarm: ShadowAlarmManager.ScheduledAlarm) =
    deliverToReceiver(app) { alarms.fireAlarm(alarm) }

/** The PendingIntent an alarm sends (Robolectric 4.17 exposes it only as a deprecated field). */
@Suppress("DEPRECATION")
val ShadowAlarmManager.ScheduledAlarm.sent: PendingIntent
    get() = checkNotNull(operation) { "an alarm with a listener, not a PendingIntent" }

/** The intent an alarm broadcasts. */
val ShadowAlarmManager.ScheduledAlarm.intent: Intent get() = shadowOf(sent).savedIntent

/** Asserts that [body] throws a [T] and returns it. */
inline fun <reified T : Throwable> assertThrowsKt(body: () -> Unit): T {
    try {
        body()
    } catch (t: Throwable) {
        if (t is T) return t
        throw AssertionError("expected ${T::class.java.name} but got $t", t)
    }
    throw AssertionError("expected ${T::class.java.name} but nothing was thrown")
}
