// The background sync: a WorkManager worker (AndroidX: built in Android Studio, not by check.sh).

package com.loyaltycore.work

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.android.LoyaltyHost
import com.loyaltycore.android.replanReminders
import java.util.concurrent.TimeUnit
import kotlin.coroutines.coroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job

/**
 * Syncs with the retailer's server in the background, then re-plans the reminders (new receipts
 * and vouchers change them).
 *
 * Contract: runs on WorkManager's coroutine dispatcher; the app's `Application` implements
 * [LoyaltyHost]. Network errors retry with WorkManager's exponential backoff (the core already
 * retried within the sync and honoured `Retry-After`); `Unauthorized` stops until the shopper
 * signs in again; `onStopped` cancels the sync in flight (the core never cancels a future on its
 * own), and what was applied stays applied.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {

    override suspend fun doWork(): Result {
        val host = applicationContext as? LoyaltyHost ?: return Result.failure()
        val loyalty = host.loyalty()
        if (!loyalty.isSignedIn()) return Result.success()
        return try {
            // Stopped by the system (constraints lost, quota): stop the core's sync promptly.
            coroutineContext[Job]?.invokeOnCompletion { cause ->
                if (cause is CancellationException) loyalty.cancelSync()
            }
            val report = loyalty.syncNow()
            if (report.cancelled) return Result.retry()
            replanReminders(loyalty, host.reminderNotifications)
            loyalty.flush()
            Result.success()
        } catch (e: LoyaltyException.Network) {
            Result.retry()
        } catch (e: LoyaltyException) {
            // Unauthorized (sign in again), Closed, Storage...: retrying now would not help.
            Result.failure()
        }
    }

    companion object {
        private const val PERIODIC = "loyalty-sync-periodic"
        private const val NOW = "loyalty-sync-now"

        private val constraints = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        /** A sync every few hours while the device has a network (kept across app restarts). */
        fun schedulePeriodic(context: Context, everyHours: Long = 6) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(everyHours, TimeUnit.HOURS)
                .setConstraints(constraints)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 1, TimeUnit.MINUTES)
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.UPDATE, request)
        }

        /** One sync as soon as the network allows (after an offline redemption, after a push). */
        fun syncSoon(context: Context) {
            val request = OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(constraints)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniqueWork(NOW, ExistingWorkPolicy.REPLACE, request)
        }

        /** Sign-out: no more background syncs. */
        fun cancelAll(context: Context) {
            WorkManager.getInstance(context).cancelUniqueWork(PERIODIC)
            WorkManager.getInstance(context).cancelUniqueWork(NOW)
        }
    }
}
