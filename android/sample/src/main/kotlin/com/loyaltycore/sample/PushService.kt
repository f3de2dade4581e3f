package com.loyaltycore.sample

import android.util.Log
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.android.LoyaltyHost
import com.loyaltycore.android.PushHandler
import com.loyaltycore.work.SyncWorker
import kotlinx.coroutines.runBlocking

/**
 * Push messages from the retailer (FCM data messages with a `payload` field holding the core's
 * push JSON) go through the core's policy. Needs the app's Firebase configuration
 * (google-services.json); without it no message arrives and the rest of the app works as is.
 */
class PushService : FirebaseMessagingService() {

    // Runs on a background thread and must finish before returning: runBlocking is right here.
    override fun onMessageReceived(message: RemoteMessage) {
        val payload = message.data["payload"] ?: return
        val host = application as LoyaltyHost
        try {
            runBlocking { PushHandler(host.loyalty(), host.reminderNotifications).handle(payload) }
        } catch (e: LoyaltyException) {
            Log.w("LoyaltyPush", "push dropped: ${e.message}")
        }
        // A push often means the server has news (vouchers, points): sync when the network allows.
        if (message.data["sync"] == "1") SyncWorker.syncSoon(this)
    }

    // The core keeps the token and registers it with the server at the next sync.
    override fun onNewToken(token: String) {
        val host = application as LoyaltyHost
        try {
            runBlocking { host.loyalty().setPushToken(token) }
            SyncWorker.syncSoon(this)
        } catch (e: LoyaltyException) {
            Log.w("LoyaltyPush", "push token not kept: ${e.message}")
        }
    }
}
