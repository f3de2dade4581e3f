// Hands push messages to the core's notification policy, then shows or schedules what it allows.

package com.loyaltycore.android

import com.loyaltycore.PushOutcome
import com.loyaltycore.facade.Loyalty
import java.time.Instant

/**
 * Call [handle] from the push service (e.g. `FirebaseMessagingService.onMessageReceived`, which
 * already runs on a background thread) with the message's `payload` data field: the JSON the
 * retailer's server sends (a message or a recall notice).
 *
 * The core decides (consent per category, quiet hours, caps, duplicates, whether a recall concerns
 * this shopper — matched on the device, the server never learns who bought what). This handler
 * only carries the decision out: a notification due now is posted and marked delivered, a later
 * one is scheduled with the rest of the plan.
 *
 * Contract: suspend; the core is called first, the scheduler after, never inside its lock.
 * Malformed payloads throw `LoyaltyException.InvalidInput` (log and drop them).
 */
class PushHandler(
    private val loyalty: Loyalty,
    private val notifications: ReminderNotifications,
    private val now: () -> Instant = Instant::now,
) {
    suspend fun handle(payloadJson: String): PushOutcome {
        val outcome = loyalty.receivePush(payloadJson)
        if (outcome is PushOutcome.Show) {
            val n = outcome.notification
            if (!n.at.isAfter(now())) {
                if (notifications.show(n)) loyalty.markDelivered(n)
            } else {
                // Kept by the core for later plans: re-plan so it is scheduled with the others.
                replanReminders(loyalty, notifications)
            }
        }
        return outcome
    }
}
