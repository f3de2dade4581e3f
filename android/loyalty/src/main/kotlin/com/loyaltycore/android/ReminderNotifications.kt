// Turns the core's reminder plan into scheduled notifications: one notification channel per
// NotificationCategory, one alarm per planned notification, a re-plan alarm at `recomputeAt`.

package com.loyaltycore.android

import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.annotation.DrawableRes
import com.loyaltycore.domain.NotificationCategory
import com.loyaltycore.PlannedNotification
import com.loyaltycore.domain.ReminderKind
import com.loyaltycore.ReminderPlan
import java.time.Instant

/**
 * Schedules the core's [ReminderPlan] as local notifications.
 *
 * Contract:
 * - Threading: any thread; it only talks to AlarmManager, NotificationManager and its own
 *   SharedPreferences, under its own lock. It never calls into Loyalty Core: the caller asks the
 *   core for the plan first (off the main thread), then hands it here.
 * - [schedule] replaces the previous plan: alarms of notifications no longer planned are
 *   cancelled; a planned id keeps its alarm slot (the core's ids are stable).
 * - Alarms are inexact (`setAndAllowWhileIdle`): reminders need no exact-alarm permission, and
 *   quiet hours were applied by the core already. Alarms do not survive a reboot:
 *   [ReminderAlarmReceiver] re-plans on BOOT_COMPLETED, on a time-zone change and at the plan's
 *   `recomputeAt`.
 * - Posting needs POST_NOTIFICATIONS on API 33+; without it [show] posts nothing and returns
 *   false (the app asks for the permission, see the sample's settings screen).
 * - [smallIcon]: the status-bar icon, a monochrome drawable of the app's (Android draws only
 *   its alpha); 0 (the default) falls back to the launcher icon.
 */
class ReminderNotifications(
    context: Context,
    private val texts: ChannelTexts,
    @DrawableRes private val smallIcon: Int = 0,
) {

    /** Localised channel names and descriptions (from the app's string resources). */
    data class ChannelTexts(
        val safetyName: String,
        val safetyDescription: String,
        val serviceName: String,
        val serviceDescription: String,
        val marketingName: String,
        val marketingDescription: String,
    )

    private val context: Context = context.applicationContext
    private val alarms: AlarmManager = this.context.getSystemService(AlarmManager::class.java)
    private val notifications: NotificationManager = this.context.getSystemService(NotificationManager::class.java)
    private val scheduled = this.context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE)
    private val lock = Any()

    /** Creates (or renames) the three channels; the shopper controls each in system settings. */
    fun ensureChannels() {
        notifications.createNotificationChannels(
            listOf(
                NotificationChannel(channelId(NotificationCategory.SAFETY), texts.safetyName, NotificationManager.IMPORTANCE_HIGH)
                    .apply { description = texts.safetyDescription },
                NotificationChannel(channelId(NotificationCategory.SERVICE), texts.serviceName, NotificationManager.IMPORTANCE_DEFAULT)
                    .apply { description = texts.serviceDescription },
                NotificationChannel(channelId(NotificationCategory.MARKETING), texts.marketingName, NotificationManager.IMPORTANCE_LOW)
                    .apply { description = texts.marketingDescription },
            ),
        )
    }

    /** Replaces what was scheduled with [plan]; returns how many notifications are scheduled. */
    fun schedule(plan: ReminderPlan): Int = synchronized(lock) {
        ensureChannels()
        val planned = plan.items.associateBy { it.id }
        val previous = scheduled.getStringSet(KEY_IDS, emptySet()).orEmpty()
        for (id in previous - planned.keys) {
            alarms.cancel(showIntent(id, null))
        }
        for (n in plan.items) {
            alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, n.at.toEpochMilli(), showIntent(n.id, n))
        }
        alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, plan.recomputeAt.toEpochMilli(), replanIntent())
        scheduled.edit().putStringSet(KEY_IDS, planned.keys.toSet()).apply()
        planned.size
    }

    /** Cancels every scheduled reminder (sign-out, all consent withdrawn). */
    fun cancelAll() = synchronized(lock) {
        for (id in scheduled.getStringSet(KEY_IDS, emptySet()).orEmpty()) {
            alarms.cancel(showIntent(id, null))
            notifications.cancel(TAG, id.hashCode())
        }
        alarms.cancel(replanIntent())
        scheduled.edit().remove(KEY_IDS).apply()
    }

    /**
     * Posts [n] now, in its category's channel, with its "why you got this" reason under the
     * body and its deep link as the tap action. Returns false when notifications are blocked.
     */
    fun show(n: PlannedNotification): Boolean {
        if (!notifications.areNotificationsEnabled()) return false
        // A push shown at once may come before any schedule() made the channels; Android drops
        // a notification whose channel does not exist. Creating existing channels is a no-op.
        ensureChannels()
        val tap = PendingIntent.getActivity(
            context,
            n.id.hashCode(),
            Intent(Intent.ACTION_VIEW, Uri.parse(n.deepLink)).setPackage(context.packageName)
                .putExtra(EXTRA_REASON, n.reason),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        val notification = Notification.Builder(context, channelId(n.category))
            .setSmallIcon(if (smallIcon != 0) smallIcon else context.applicationInfo.icon)
            .setContentTitle(n.title)
            .setContentText(n.body)
            .setStyle(Notification.BigTextStyle().bigText("${n.body}\n\n${n.reason}"))
            .setCategory(if (n.category == NotificationCategory.SAFETY) Notification.CATEGORY_ALARM else Notification.CATEGORY_REMINDER)
            .setContentIntent(tap)
            .setAutoCancel(true)
            .build()
        notifications.notify(TAG, n.id.hashCode(), notification)
        return true
    }

    private fun showIntent(id: String, n: PlannedNotification?): PendingIntent {
        val intent = Intent(context, ReminderAlarmReceiver::class.java)
            .setAction(ReminderAlarmReceiver.ACTION_SHOW)
            // The id in the data URI makes each alarm's PendingIntent distinct.
            .setData(Uri.fromParts("loyalty-reminder", id, null))
        if (n != null) writeNotification(intent, n)
        return PendingIntent.getBroadcast(
            context, 0, intent, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
    }

    private fun replanIntent(): PendingIntent = PendingIntent.getBroadcast(
        context,
        0,
        Intent(context, ReminderAlarmReceiver::class.java).setAction(ReminderAlarmReceiver.ACTION_REPLAN),
        PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
    )

    companion object {
        /** Extra on the deep-link intent: the reminder's "why you got this". */
        const val EXTRA_REASON = "com.loyaltycore.extra.REASON"
        private const val PREFERENCES = "loyalty-core-reminders"
        private const val KEY_IDS = "scheduled-ids"
        private const val TAG = "loyalty-reminder"

        /** The channel of a category: one per [NotificationCategory]. */
        fun channelId(category: NotificationCategory): String = when (category) {
            NotificationCategory.SAFETY -> "loyalty-safety"
            NotificationCategory.SERVICE -> "loyalty-service"
            NotificationCategory.MARKETING -> "loyalty-marketing"
        }

        internal fun writeNotification(intent: Intent, n: PlannedNotification) {
            intent.putExtra("id", n.id)
                .putExtra("at", n.at.toEpochMilli())
                .putExtra("title", n.title)
                .putExtra("body", n.body)
                .putExtra("deepLink", n.deepLink)
                .putExtra("category", n.category.name)
                .putExtra("kind", n.kind.name)
                .putExtra("ruleId", n.ruleId)
                .putExtra("reason", n.reason)
        }

        /** The notification an alarm carries, or null for a malformed intent. */
        internal fun readNotification(intent: Intent): PlannedNotification? {
            val category = intent.getStringExtra("category")?.let { name ->
                NotificationCategory.entries.firstOrNull { it.name == name }
            } ?: return null
            val kind = intent.getStringExtra("kind")?.let { name ->
                ReminderKind.entries.firstOrNull { it.name == name }
            } ?: return null
            return PlannedNotification(
                id = intent.getStringExtra("id") ?: return null,
                at = Instant.ofEpochMilli(intent.getLongExtra("at", 0L)),
                title = intent.getStringExtra("title") ?: return null,
                body = intent.getStringExtra("body") ?: return null,
                deepLink = intent.getStringExtra("deepLink") ?: return null,
                category = category,
                kind = kind,
                ruleId = intent.getStringExtra("ruleId") ?: return null,
                reason = intent.getStringExtra("reason") ?: return null,
            )
        }
    }
}
