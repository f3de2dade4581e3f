// The alarm receiver never crashes the process: whatever its work throws on the background
// coroutine (a core error, the host's or the platform's exception, an Error such as a native
// library that failed to load), it logs, finishes the broadcast and carries on.

package com.loyaltycore.android

import android.app.AlarmManager
import android.app.NotificationManager
import android.content.Intent
import android.util.Log
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.facade.Loyalty
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
import org.robolectric.shadows.ShadowLog

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class ReminderAlarmReceiverTest {
    private lateinit var app: TestApp
    private var loyalty: Loyalty? = null

    @Before
    fun setUp() {
        app = RuntimeEnvironment.getApplication() as TestApp
        ShadowLog.clear()
        Uncaught.install()
    }

    @After
    fun tearDown() {
        Uncaught.uninstall()
        loyalty?.close()
    }

    private fun receiverLog(): List<ShadowLog.LogItem> = ShadowLog.getLogsForTag("LoyaltyReminders")

    /** Broadcasts a re-plan while the host fails with [failure]; the receiver must survive it. */
    private fun survives(failure: Throwable, expectedLog: String, expectedLevel: Int) {
        app.loyaltyProvider = { throw failure }
        broadcastAndWait(app, Intent(app, ReminderAlarmReceiver::class.java).setAction(ReminderAlarmReceiver.ACTION_REPLAN))
        assertEquals("nothing reached an uncaught-exception handler", emptyList<Throwable>(), Uncaught.seen.toList())
        val logged = receiverLog().map { it.type to it.msg }
        assertEquals(listOf(expectedLevel to expectedLog), logged)
    }

    @Test
    fun anErrorIsLoggedByClassAndDoesNotCrash() =
        survives(UnsatisfiedLinkError("libloyalty_ffi.so not found for the shopper ann@example.com"),
            "reminders: unexpected java.lang.UnsatisfiedLinkError", Log.ERROR)

    @Test
    fun aLinkageErrorDoesNotCrash() =
        survives(NoClassDefFoundError("com/loyaltycore/LoyaltyClient"),
            "reminders: unexpected java.lang.NoClassDefFoundError", Log.ERROR)

    @Test
    fun aRuntimeExceptionOfTheHostDoesNotCrash() =
        survives(IllegalStateException("host not ready"),
            "reminders: unexpected java.lang.IllegalStateException", Log.ERROR)

    @Test
    fun aCoreErrorIsLoggedWithItsFixedSentence() =
        survives(LoyaltyException.Closed("the client was closed"),
            "reminders: reason=the client was closed", Log.WARN)

    @Test
    fun aFailingSchedulerDoesNotCrashTheShowPath() {
        loyalty = openCore(app)
        // The plan schedules one alarm; the scheduler then fails when the alarm fires.
        runBlocking {
            PushHandler(loyalty!!, app.scheduler) { T0 }
                .handle(pushMessage("later", "marketing", sendAt = T0.plusSeconds(3_600)))
        }
        val alarms = shadowOf(app.getSystemService(AlarmManager::class.java))
        fun showAlarm() = alarms.scheduledAlarms.single { it.intent.action == ReminderAlarmReceiver.ACTION_SHOW }
        app.schedulerProvider = { throw SecurityException("POST_NOTIFICATIONS revoked") }
        fireAndWait(app, alarms, showAlarm())
        assertTrue(Uncaught.seen.isEmpty())
        assertEquals(listOf("reminders: unexpected java.lang.SecurityException"), receiverLog().map { it.msg })
        assertEquals(0, shadowOf(app.getSystemService(NotificationManager::class.java)).size())
        // The process carries on: nothing was delivered, so a re-plan schedules it again, and
        // when that alarm fires it is posted normally.
        app.schedulerProvider = { app.scheduler }
        runBlocking { replanReminders(loyalty!!, app.scheduler) }
        fireAndWait(app, alarms, showAlarm())
        assertEquals(1, shadowOf(app.getSystemService(NotificationManager::class.java)).size())
        assertTrue(Uncaught.seen.isEmpty())
    }

    @Test
    fun aMalformedShowIntentIsIgnored() {
        loyalty = openCore(app)
        broadcastAndWait(app, Intent(app, ReminderAlarmReceiver::class.java).setAction(ReminderAlarmReceiver.ACTION_SHOW))
        assertTrue(Uncaught.seen.isEmpty())
        assertEquals(0, shadowOf(app.getSystemService(NotificationManager::class.java)).size())
        assertTrue(receiverLog().isEmpty())
    }
}
