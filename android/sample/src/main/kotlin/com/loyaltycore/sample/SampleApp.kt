package com.loyaltycore.sample

import android.app.Application
import com.loyaltycore.android.LoyaltyHost
import com.loyaltycore.android.ReminderNotifications
import com.loyaltycore.android.openLoyalty
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.work.SyncWorker
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/** The process's one Loyalty, opened on first use, shared by the screens, receivers and worker. */
class SampleApp : Application(), LoyaltyHost {

    private val openLock = Mutex()
    @Volatile private var opened: Loyalty? = null

    override suspend fun loyalty(): Loyalty =
        opened ?: openLock.withLock { opened ?: openLoyalty(this).also { opened = it } }

    override val reminderNotifications: ReminderNotifications by lazy {
        ReminderNotifications(
            this,
            ReminderNotifications.ChannelTexts(
                safetyName = getString(R.string.channel_safety),
                safetyDescription = getString(R.string.channel_safety_description),
                serviceName = getString(R.string.channel_service),
                serviceDescription = getString(R.string.channel_service_description),
                marketingName = getString(R.string.channel_marketing),
                marketingDescription = getString(R.string.channel_marketing_description),
            ),
        )
    }

    override fun onCreate() {
        super.onCreate()
        reminderNotifications.ensureChannels()
        SyncWorker.schedulePeriodic(this)
    }
}
