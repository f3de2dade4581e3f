package com.loyaltycore.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.loyaltycore.domain.NotificationCategory
import com.loyaltycore.PlannedNotification
import com.loyaltycore.ReminderPlan

/** What the shopper can say about a planned reminder. */
interface ReminderActions {
    /** Not interested. */
    fun dismiss(n: PlannedNotification)

    /** Later (a day). */
    fun snooze(n: PlannedNotification)

    /** Stop reminders of this rule (never offered for safety notices). */
    fun mute(n: PlannedNotification)

    /** The reminder's own "Add it to your shopping list?" ([PlannedNotification.listOffer]). */
    fun addToList(n: PlannedNotification)
}

/**
 * The planned reminders, each with its "why you got this" in the core's words, and the
 * shopper's feedback. [linkReason]: the "why" of the reminder whose deep link opened the app.
 * [onList]: the reminders whose item is already on the shopping list (by notification id).
 */
@Composable
fun RemindersScreen(plan: ReminderPlan?, actions: ReminderActions, linkReason: String? = null, onList: Set<String> = emptySet()) {
    LazyColumn(
        Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        linkReason?.let { item { ScreenText(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.primary) } }
        if (plan != null && plan.items.isEmpty()) item { ScreenText(str(Str.reminders_empty)) }
        plan?.let { p ->
            items(p.items, key = { it.id }) { n -> ReminderCard(n, actions, n.id in onList) }
            if (p.suppressed.isNotEmpty()) {
                item { ScreenText(str(Str.reminders_suppressed, p.suppressed.size), style = MaterialTheme.typography.bodySmall) }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ReminderCard(n: PlannedNotification, actions: ReminderActions, listed: Boolean) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            val category = when (n.category) {
                NotificationCategory.SAFETY -> str(Str.channel_safety)
                NotificationCategory.SERVICE -> str(Str.channel_service)
                NotificationCategory.MARKETING -> str(Str.channel_marketing)
            }
            ScreenText("$category · ${formatDateTime(n.at)}", style = MaterialTheme.typography.labelMedium, maxLines = 1)
            ScreenText(n.title, style = MaterialTheme.typography.titleMedium)
            ScreenText(n.body)
            ScreenText(
                str(Str.reminders_why, n.reason),
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
            n.listOffer?.let { offer ->
                if (listed) {
                    ScreenText(str(Str.reminders_on_list), style = MaterialTheme.typography.labelLarge, color = MaterialTheme.colorScheme.primary)
                } else {
                    OutlinedButton(onClick = { actions.addToList(n) }) { ScreenText(offer.action, maxLines = 1) }
                }
            }
            FlowRow(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                TextButton(onClick = { actions.dismiss(n) }) { ScreenText(str(Str.reminders_dismiss), maxLines = 1) }
                TextButton(onClick = { actions.snooze(n) }) { ScreenText(str(Str.reminders_snooze), maxLines = 1) }
                if (n.category != NotificationCategory.SAFETY) {
                    TextButton(onClick = { actions.mute(n) }) { ScreenText(str(Str.reminders_mute), maxLines = 1) }
                }
            }
        }
    }
}
