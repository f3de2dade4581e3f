package com.loyaltycore.sample

import android.content.Intent
import android.os.Bundle
import androidx.activity.compose.setContent
import androidx.appcompat.app.AppCompatActivity
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.painterResource
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.lifecycleScope
import com.loyaltycore.android.ReminderNotifications
import com.loyaltycore.facade.Loyalty
import kotlinx.coroutines.launch

/** The tabs of the app; deep links `loyalty://<route>` open them (reminders link to them). */
enum class Tab(val route: String, val label: Int, val icon: Int) {
    CARD("card", R.string.tab_card, android.R.drawable.ic_menu_camera),
    POINTS("points", R.string.tab_points, android.R.drawable.star_big_off),
    WALLET("wallet", R.string.tab_wallet, android.R.drawable.ic_menu_agenda),
    RECEIPTS("receipts", R.string.tab_receipts, android.R.drawable.ic_menu_recent_history),
    REMINDERS("reminders", R.string.tab_reminders, android.R.drawable.ic_popup_reminder),
    SETTINGS("settings", R.string.tab_settings, android.R.drawable.ic_menu_preferences),
}

class MainActivity : AppCompatActivity() {

    private var tab by mutableStateOf(Tab.CARD)
    private var linkReason by mutableStateOf<String?>(null)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        handleLink(intent)
        val app = application as SampleApp
        setContent {
            MaterialTheme {
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
            "wallet", "voucher" -> Tab.WALLET
            "points", "tier" -> Tab.POINTS
            "receipt", "receipts", "recall", "product" -> Tab.RECEIPTS
            "card" -> Tab.CARD
            else -> Tab.REMINDERS
        }
        linkReason = intent.getStringExtra(ReminderNotifications.EXTRA_REASON)
    }

    @Composable
    private fun App(loyalty: Loyalty) {
        val signedIn by produceState<Boolean?>(null, loyalty) { value = loyalty.isSignedIn() }
        when (signedIn) {
            null -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
            false -> EnrolScreen(loyalty, onEnrolled = { tab = Tab.CARD; recreate() })
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
        Scaffold(
            bottomBar = {
                NavigationBar {
                    for (t in Tab.entries) {
                        NavigationBarItem(
                            selected = t == tab,
                            onClick = { tab = t },
                            icon = { Icon(painterResource(t.icon), contentDescription = null) },
                            label = { Text(stringResource(t.label)) },
                        )
                    }
                }
            },
        ) { padding ->
            Box(Modifier.padding(padding)) {
                when (tab) {
                    Tab.CARD -> CardScreen(loyalty)
                    Tab.POINTS -> PointsScreen(loyalty)
                    Tab.WALLET -> WalletScreen(loyalty)
                    Tab.RECEIPTS -> ReceiptsScreen(loyalty, linkReason)
                    Tab.REMINDERS -> RemindersScreen(loyalty, app.reminderNotifications, linkReason)
                    Tab.SETTINGS -> SettingsScreen(loyalty, app.reminderNotifications)
                }
            }
        }
        // A reminder's "why" is shown once, on the screen its deep link opened.
        LaunchedEffect(tab) { if (tab != Tab.REMINDERS && tab != Tab.RECEIPTS) linkReason = null }
    }
}
