// The Android side of the shared screens (android/screens/src/commonMain): each collects what
// its screen shows from the facade's Flows while the app is visible, hands the shopper's
// actions back to the core, and adds what only Android has (window flags, WorkManager,
// notification permission, per-app language, the alarm scheduler).

package com.loyaltycore.sample

import android.Manifest
import android.app.Activity
import android.os.Build
import android.view.WindowManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatDelegate
import androidx.compose.material3.Button
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.platform.LocalContext
import androidx.core.os.LocaleListCompat
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.loyaltycore.domain.EcLevel
import com.loyaltycore.domain.LedgerEntry
import com.loyaltycore.ListItem
import com.loyaltycore.domain.ListItemSource
import com.loyaltycore.PlannedNotification
import com.loyaltycore.domain.ReminderSettings
import com.loyaltycore.TillCard
import com.loyaltycore.domain.UsualItem
import com.loyaltycore.domain.WarrantyItem
import com.loyaltycore.android.ReminderNotifications
import com.loyaltycore.android.replanReminders
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.screens.CardScreen
import com.loyaltycore.screens.ListActions
import com.loyaltycore.screens.OffersScreen
import com.loyaltycore.screens.PointsScreen
import com.loyaltycore.screens.ReceiptsScreen
import com.loyaltycore.screens.ReminderActions
import com.loyaltycore.screens.RemindersScreen
import com.loyaltycore.screens.ScreenText
import com.loyaltycore.screens.SettingsScreen
import com.loyaltycore.screens.ShoppingListScreen
import com.loyaltycore.screens.Str
import com.loyaltycore.screens.WalletScreen
import com.loyaltycore.screens.str
import com.loyaltycore.work.SyncWorker
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.launch

/** The card at the till, redrawn at each rotation, bright and kept out of screenshots. */
@Composable
fun AndroidCardScreen(loyalty: Loyalty) {
    SecureBrightWindow()
    val flow = remember(loyalty) { loyalty.tillCards(EcLevel.MEDIUM) }
    val card: TillCard? by flow.collectAsStateWithLifecycle(initialValue = null)
    CardScreen(card)
}

/** Full screen brightness and FLAG_SECURE while the card is shown; restored when it leaves. */
@Composable
private fun SecureBrightWindow() {
    val activity = LocalContext.current as? Activity ?: return
    DisposableEffect(activity) {
        val window = activity.window
        val previous = window.attributes.screenBrightness
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        window.attributes = window.attributes.apply {
            screenBrightness = WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL
        }
        onDispose {
            window.attributes = window.attributes.apply { screenBrightness = previous }
            window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
        }
    }
}

@Composable
fun AndroidPointsScreen(loyalty: Loyalty) {
    val balanceFlow = remember(loyalty) { loyalty.balances }
    val tierFlow = remember(loyalty) { loyalty.tiers }
    val balance by balanceFlow.collectAsStateWithLifecycle(initialValue = null)
    val tier by tierFlow.collectAsStateWithLifecycle(initialValue = null)
    val language = LocalConfiguration.current.locales[0].toLanguageTag()
    val entries by produceState(emptyList<LedgerEntry>(), balance) { value = loyalty.recentEntries(100) }
    val descriptions by produceState(emptyMap<ULong, String>(), entries, language) {
        value = loyalty.describeEntries(entries, language)
    }
    PointsScreen(balance, tier, entries, descriptions)
}

@Composable
fun AndroidWalletScreen(loyalty: Loyalty) {
    val context = LocalContext.current
    val flow = remember(loyalty) { loyalty.wallets }
    val vouchers by flow.collectAsStateWithLifecycle(initialValue = emptyList())
    WalletScreen(vouchers) { v ->
        loyalty.redeem(v.id).voucher.also {
            // Resolved with the server as soon as the network allows.
            SyncWorker.syncSoon(context)
        }
    }
}

@Composable
fun AndroidOffersScreen(loyalty: Loyalty) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val flow = remember(loyalty) { loyalty.offerLists }
    val offers by flow.collectAsStateWithLifecycle(initialValue = emptyList())
    OffersScreen(offers) { item ->
        scope.launch {
            runCatching { loyalty.activateOffer(item.offer.id) }
            SyncWorker.syncSoon(context)
        }
    }
}

@Composable
fun AndroidShoppingListScreen(loyalty: Loyalty) {
    val scope = rememberCoroutineScope()
    val flow = remember(loyalty) { loyalty.shoppingLists(5) }
    val list by flow.collectAsStateWithLifecycle(initialValue = null)
    val actions = remember(loyalty) {
        object : ListActions {
            override fun add(name: String) { scope.launch { runCatching { loyalty.addToList(name) } } }
            override fun setChecked(item: ListItem, checked: Boolean) {
                scope.launch { runCatching { loyalty.setListItemChecked(item.id, checked) } }
            }
            override fun addUsual(item: UsualItem) { scope.launch { runCatching { loyalty.addUsualToList(item.gtin) } } }
        }
    }
    ShoppingListScreen(list, actions)
}

@Composable
fun AndroidReceiptsScreen(loyalty: Loyalty, reason: String?) {
    val flow = remember(loyalty) { loyalty.receiptLists }
    val receipts by flow.collectAsStateWithLifecycle(initialValue = emptyList())
    val returnUntil by produceState(emptyMap<String, Instant>(), receipts) {
        value = receipts.mapNotNull { r -> runCatching { r.id to loyalty.returnUntil(r.id) }.getOrNull() }.toMap()
    }
    val warranties by produceState(emptyList<WarrantyItem>(), receipts) {
        value = runCatching { loyalty.activeWarranties() }.getOrDefault(emptyList())
    }
    ReceiptsScreen(receipts, returnUntil, warranties, reason)
}

/** Every change re-plans, and whatever the screen shows is also what is scheduled. */
@Composable
fun AndroidRemindersScreen(loyalty: Loyalty, notifications: ReminderNotifications, linkReason: String?) {
    val scope = rememberCoroutineScope()
    val flow = remember(loyalty) { loyalty.reminderPlans }
    val plan by flow.collectAsStateWithLifecycle(initialValue = null)
    val listFlow = remember(loyalty) { loyalty.shoppingLists(0) }
    val list by listFlow.collectAsStateWithLifecycle(initialValue = null)
    val onList = list?.items.orEmpty().mapNotNull { (it.source as? ListItemSource.Reminder)?.notificationId }.toSet()
    LaunchedEffect(plan) { plan?.let { notifications.schedule(it) } }
    val actions = remember(loyalty) {
        fun feedback(action: suspend () -> Unit) {
            scope.launch { runCatching { action() } }
        }
        object : ReminderActions {
            override fun dismiss(n: PlannedNotification) = feedback { loyalty.dismissReminder(n.id) }
            override fun snooze(n: PlannedNotification) =
                feedback { loyalty.snoozeReminder(n.id, Instant.now().plus(Duration.ofDays(1))) }
            override fun mute(n: PlannedNotification) = feedback { loyalty.muteReminderRule(n.ruleId) }
            override fun addToList(n: PlannedNotification) = feedback { loyalty.addReminderToList(n) }
        }
    }
    RemindersScreen(plan, actions, linkReason, onList)
}

/** Saved in the core and re-planned at once; the language also switches the app's texts. */
@Composable
fun AndroidSettingsScreen(loyalty: Loyalty, notifications: ReminderNotifications) {
    val scope = rememberCoroutineScope()
    var saved by remember { mutableIntStateOf(0) }
    val settings by produceState<ReminderSettings?>(null, saved) { value = loyalty.reminderSettings() }
    val askPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { }
    SettingsScreen(
        settings,
        save = { next ->
            val languageChanged = next.language != settings?.language
            scope.launch {
                runCatching {
                    loyalty.setReminderSettings(next)
                    replanReminders(loyalty, notifications)
                }
                saved++
                if (languageChanged) AppCompatDelegate.setApplicationLocales(LocaleListCompat.forLanguageTags(next.language))
            }
        },
        extra = {
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
                Button(onClick = { askPermission.launch(Manifest.permission.POST_NOTIFICATIONS) }) {
                    ScreenText(str(Str.settings_allow_notifications), maxLines = 1)
                }
            }
        },
    )
}
