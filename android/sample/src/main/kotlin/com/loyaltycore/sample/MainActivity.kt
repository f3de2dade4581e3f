package com.loyaltycore.sample

import android.content.Intent
import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.appcompat.app.AppCompatActivity
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.lifecycle.lifecycleScope
import com.loyaltycore.android.ReminderNotifications
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.screens.LocalScreenStrings
import com.loyaltycore.screens.LoyaltyScaffold
import com.loyaltycore.screens.LoyaltyTheme
import com.loyaltycore.screens.Screen
import kotlinx.coroutines.launch

class MainActivity : AppCompatActivity() {

    private var tab by mutableStateOf(Screen.CARD)
    private var linkReason by mutableStateOf<String?>(null)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        handleLink(intent)
        val app = application as SampleApp
        setContent {
            LoyaltyTheme(dark = isSystemInDarkTheme()) {
                CompositionLocalProvider(LocalScreenStrings provides rememberAndroidStrings()) {
                    val loyalty by produceState<Loyalty?>(null) { value = app.loyalty() }
                    val current = loyalty
                    if (current == null) {
                        Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
                    } else {
                        App(current)
                    }
                }
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handleLink(intent)
    }

    override fun onStop() {
        super.onStop()
        // Flushed when the app goes to the background (sled has been seen to lose unflushed
        // writes after a force-kill).
        val app = application as SampleApp
        lifecycleScope.launch { runCatching { app.loyalty().flush() } }
    }

    /** `loyalty://product/...`, `loyalty://wallet`, ...: the tab the reminder points at. */
    private fun handleLink(intent: Intent?) {
        val uri = intent?.data ?: return
        if (uri.scheme != "loyalty") return
        tab = when (uri.host) {
            "wallet", "voucher" -> Screen.WALLET
            "points", "tier" -> Screen.POINTS
            "receipt", "receipts", "recall", "product" -> Screen.RECEIPTS
            "card" -> Screen.CARD
            "offers", "offer" -> Screen.OFFERS
            "list" -> Screen.LIST
            "settings" -> Screen.SETTINGS
            else -> Screen.REMINDERS
        }
        linkReason = intent.getStringExtra(ReminderNotifications.EXTRA_REASON)
    }

    @Composable
    private fun App(loyalty: Loyalty) {
        val signedIn by produceState<Boolean?>(null, loyalty) { value = loyalty.isSignedIn() }
        when (signedIn) {
            null -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
            false -> EnrolScreen(loyalty, onEnrolled = { tab = Screen.CARD; recreate() })
            true -> Tabs(loyalty)
        }
    }

    @Composable
    private fun Tabs(loyalty: Loyalty) {
        val app = application as SampleApp
        // Sync on open; then the periodic worker takes over.
        LaunchedEffect(loyalty) {
            runCatching { loyalty.syncNow() }
            runCatching { com.loyaltycore.android.replanReminders(loyalty, app.reminderNotifications) }
        }
        LoyaltyScaffold(current = tab, onSelect = { tab = it }) {
            when (tab) {
                Screen.CARD -> AndroidCardScreen(loyalty)
                Screen.POINTS -> AndroidPointsScreen(loyalty)
                Screen.WALLET -> AndroidWalletScreen(loyalty)
                Screen.OFFERS -> AndroidOffersScreen(loyalty)
                Screen.LIST -> AndroidShoppingListScreen(loyalty)
                Screen.RECEIPTS -> AndroidReceiptsScreen(loyalty, linkReason)
                Screen.REMINDERS -> AndroidRemindersScreen(loyalty, app.reminderNotifications, linkReason)
                Screen.SETTINGS -> AndroidSettingsScreen(loyalty, app.reminderNotifications)
            }
        }
        // A reminder's "why" is shown once, on the screen its deep link opened.
        LaunchedEffect(tab) { if (tab != Screen.REMINDERS && tab != Screen.RECEIPTS) linkReason = null }
    }
}
