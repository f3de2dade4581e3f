// Posts a planned notification when its alarm fires, and re-plans on boot, on a time-zone change,
// after an app update and at the plan's recomputeAt.

package com.loyaltycore.android

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import com.loyaltycore.domain.LoyaltyException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch

/**
 * Declared in the library's manifest (merged into the app's). The app's `Application` must
 * implement [LoyaltyHost].
 *
 * Threading: `onReceive` runs on the main thread; it uses `goAsync()` and does the core's work
 * (mark delivered, re-plan) on a background coroutine, finishing within the broadcast's time
 * budget. It posts the notification before calling the core, so a core error never loses it.
 * Every throwable but a coroutine cancellation is caught and logged (a `LoyaltyException` by its
 * fixed sentence, anything else by class only): a receiver never crashes the process.
 */
class ReminderAlarmReceiver : BroadcastReceiver() {

    override fun onReceive(context: Context, intent: Intent) {
        val host = context.applicationContext as? LoyaltyHost ?: run {
            Log.w(LOG_TAG, "the Application does not implement LoyaltyHost")
            return
        }
        val pending = goAsync()
        scope.launch {
            try {
                when (intent.action) {
                    ACTION_SHOW -> {
                        val n = ReminderNotifications.readNotification(intent) ?: return@launch
                        if (host.reminderNotifications.show(n)) host.loyalty().markDelivered(n)
                    }
                    ACTION_REPLAN, Intent.ACTION_BOOT_COMPLETED, Intent.ACTION_TIMEZONE_CHANGED,
                    Intent.ACTION_MY_PACKAGE_REPLACED,
                    -> replanReminders(host.loyalty(), host.reminderNotifications)
                }
            } catch (e: CancellationException) {
                throw e
            } catch (e: LoyaltyException) {
                // Fixed sentences without personal data: safe to log.
                Log.w(LOG_TAG, "reminders: ${e.message}")
            } catch (e: Throwable) {
                // Anything else, errors included (the host's own code, the platform, a native
                // library that failed to load: UnsatisfiedLinkError, NoClassDefFoundError), must
                // not crash the process from a background broadcast: an uncaught throwable in
                // this coroutine would reach the thread's uncaught-exception handler, which kills
                // the app. Only the class is logged: a foreign message may carry personal data.
                Log.e(LOG_TAG, "reminders: unexpected ${e.javaClass.name}")
            } finally {
                pending.finish()
            }
        }
    }

    companion object {
        const val ACTION_SHOW = "com.loyaltycore.action.SHOW_REMINDER"
        const val ACTION_REPLAN = "com.loyaltycore.action.REPLAN_REMINDERS"
        private const val LOG_TAG = "LoyaltyReminders"
        private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    }
}
