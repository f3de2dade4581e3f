package com.loyaltycore.screens

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.WindowInsets
import androidx.compose.foundation.layout.WindowInsetsSides
import androidx.compose.foundation.layout.only
import androidx.compose.foundation.layout.safeDrawing
import androidx.compose.foundation.layout.windowInsetsPadding
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.ScrollableTabRow
import androidx.compose.material3.Surface
import androidx.compose.material3.Tab
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp

/** The app's screens, in tab order; deep links `loyalty://<route>` open them. */
enum class Screen(val route: String, val label: Str) {
    CARD("card", Str.tab_card),
    POINTS("points", Str.tab_points),
    WALLET("wallet", Str.tab_wallet),
    OFFERS("offers", Str.tab_offers),
    LIST("list", Str.tab_list),
    RECEIPTS("receipts", Str.tab_receipts),
    REMINDERS("reminders", Str.tab_reminders),
    SETTINGS("settings", Str.tab_settings),
}

/**
 * The app's frame: the current screen's title, a scrollable row of tabs (eight screens do not
 * fit a bottom bar at phone width in Dutch or French), and the screen below.
 */
@Composable
fun LoyaltyScaffold(current: Screen, onSelect: (Screen) -> Unit, content: @Composable () -> Unit) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize()) {
            Surface(color = MaterialTheme.colorScheme.primaryContainer) {
                // Edge to edge on Android 15: the header's colour runs under the status bar, its
                // content below it (no insets on the desktop).
                Column(Modifier.windowInsetsPadding(WindowInsets.safeDrawing.only(WindowInsetsSides.Top + WindowInsetsSides.Horizontal))) {
                    ScreenText(
                        str(current.label),
                        Modifier.fillMaxWidth().padding(start = 16.dp, end = 16.dp, top = 16.dp, bottom = 8.dp),
                        style = MaterialTheme.typography.titleLarge,
                        color = MaterialTheme.colorScheme.onPrimaryContainer,
                        maxLines = 1,
                    )
                    ScrollableTabRow(
                        selectedTabIndex = current.ordinal,
                        containerColor = MaterialTheme.colorScheme.primaryContainer,
                        contentColor = MaterialTheme.colorScheme.onPrimaryContainer,
                        edgePadding = 8.dp,
                    ) {
                        for (s in Screen.entries) {
                            Tab(
                                selected = s == current,
                                onClick = { onSelect(s) },
                                text = { ScreenText(str(s.label), maxLines = 1) },
                            )
                        }
                    }
                }
            }
            Box(Modifier.fillMaxSize().windowInsetsPadding(WindowInsets.safeDrawing.only(WindowInsetsSides.Bottom + WindowInsetsSides.Horizontal))) {
                content()
            }
        }
    }
}
