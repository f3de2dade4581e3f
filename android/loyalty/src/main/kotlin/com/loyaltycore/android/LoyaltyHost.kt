// How the platform services reach the app's one Loyalty instance, and the standard way to open it.

package com.loyaltycore.android

import android.content.Context
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.domain.ProgrammeRules
import com.loyaltycore.ReminderContext
import com.loyaltycore.defaultProgrammeRules
import com.loyaltycore.facade.Loyalty
import java.io.File
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.cert.X509Certificate
import java.time.Instant
import java.time.ZoneId
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch

/**
 * Implemented by the app's `Application`: the receivers, the push handler and the sync worker
 * find the process's one [Loyalty] and the notification scheduler through it.
 */
interface LoyaltyHost {
    /** The process's Loyalty, opened on first use (suspend: opening reads the disk). */
    suspend fun loyalty(): Loyalty

    val reminderNotifications: ReminderNotifications
}

/**
 * Opens Loyalty Core in the app's private storage with the Keystore-backed secret store; HTTPS
 * trusts Android's own certificate store, read in the background (it takes tens of ms: the card
 * at the till does not wait for it).
 */
suspend fun openLoyalty(context: Context, rules: ProgrammeRules = defaultProgrammeRules()): Loyalty {
    val dir = File(context.noBackupFilesDir, "loyalty-core")
    val loyalty = Loyalty.open(dir, KeystoreSecretStore(context), rules)
    trustScope.launch { loyalty.trustSystemCertificates() }
    return loyalty
}

/** Where the store is read off the open path; its failures end in [trustSystemCertificates]. */
private val trustScope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

/**
 * Makes HTTPS trust Android's certificate store (`AndroidCAStore`) instead of the Mozilla roots
 * bundled in the core: the system CAs, which Android updates (through the Conscrypt module on
 * Android 14 and later) and of which the user can disable some, and, with
 * [includeUserCertificates], the CAs the user or the device's administrator installed (a work
 * profile's enterprise CA). Pass true only when the app's network security config trusts user
 * certificates as well. Returns how many anchors the core now uses; 0 when the store could not be
 * read, and the bundled roots stay.
 */
suspend fun Loyalty.trustSystemCertificates(includeUserCertificates: Boolean = false): Int {
    val certificates = try {
        val store = KeyStore.getInstance("AndroidCAStore").apply { load(null) }
        store.aliases().toList()
            .filter { it.startsWith("system:") || (includeUserCertificates && it.startsWith("user:")) }
            .mapNotNull { (store.getCertificate(it) as? X509Certificate)?.encoded }
    } catch (e: GeneralSecurityException) {
        return 0
    } catch (e: IOException) {
        return 0
    }
    if (certificates.isEmpty()) return 0
    return try {
        setTrustAnchors(certificates)
    } catch (e: LoyaltyException) {
        0
    }
}

/**
 * Re-plans: tells the core the device's current UTC offset (time zones, DST), asks for the plan
 * and schedules it. Call it off the main thread's critical path: after a sync, after a settings
 * change, on boot, on a time-zone change, at the plan's `recomputeAt`. The core is called first;
 * the scheduler afterwards, so no core call happens inside the scheduler's lock.
 */
suspend fun replanReminders(loyalty: Loyalty, notifications: ReminderNotifications): Int {
    val offsetMinutes = ZoneId.systemDefault().rules.getOffset(Instant.now()).totalSeconds / 60
    val context: ReminderContext = loyalty.reminderContext()
    if (context.localUtcOffsetMinutes != offsetMinutes) {
        loyalty.setReminderContext(context.copy(localUtcOffsetMinutes = offsetMinutes))
    }
    return notifications.schedule(loyalty.reminderPlan())
}
