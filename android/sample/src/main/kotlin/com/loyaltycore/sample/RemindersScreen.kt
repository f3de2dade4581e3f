package com.loyaltycore.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.loyaltycore.NotificationCategory
import com.loyaltycore.PlannedNotification
import com.loyaltycore.android.ReminderNotifications
import com.loyaltycore.facade.Loyalty
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.launch

/**
 * The planned reminders, each with its "why you got this", and the shopper's feedback: not
 * interested (dismiss), later (snooze a day), stop these (mute the rule; not for safety notices).
 * Every change re-plans and reschedules the notifications.
 */
@Composable
fun RemindersScreen(loyalty: Loyalty, notifications: ReminderNotifications, linkReason: String?) {
    val scope = rememberCoroutineScope()
    val flow = remember(loyalty) { loyalty.reminderPlans }
    val plan by flow.collectAsStateWithLifecycle(initialValue = null)
    // Whatever the screen shows is also what is scheduled.
    LaunchedEffect(plan) { plan?.let { notifications.schedule(it) } }

    fun feedback(action: suspend () -> Unit) {
        scope.launch { runCatching { action() } }
    }

    LazyColumn(Modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        linkReason?.let { item { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.primary) } }
        val current = plan
        if (current != null && current.items.isEmpty()) item { Text(stringResource(R.string.reminders_empty)) }
        current?.let { p ->
            items(p.items, key = { it.id }) { n ->
                ReminderCard(
                    n,
                    onDismiss = { feedback { loyalty.dismissReminder(n.id) } },
                    onSnooze = { feedback { loyalty.snoozeReminder(n.id, Instant.now().plus(Duration.ofDays(1))) } },
                    onMute = { feedback { loyalty.muteReminderRule(n.ruleId) } },
                )
            }
            if (p.suppressed.isNotEmpty()) {
                item { Text(stringResource(R.string.reminders_suppressed, p.suppressed.size), style = MaterialTheme.typography.bodySmall) }
            }
        }
    }
}

@Composable
private fun ReminderCard(n: PlannedNotification, onDismiss: () -> Unit, onSnooze: () -> Unit, onMute: () -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            val category = when (n.category) {
                NotificationCategory.SAFETY -> stringResource(R.string.channel_safety)
                NotificationCategory.SERVICE -> stringResource(R.string.channel_service)
                NotificationCategory.MARKETING -> stringResource(R.string.channel_marketing)
            }
            Text("$category · ${formatDateTime(n.at)}", style = MaterialTheme.typography.labelMedium)
            Text(n.title, style = MaterialTheme.typography.titleMedium)
            Text(n.body)
            Text(stringResource(R.string.reminders_why, n.reason), style = MaterialTheme.typography.bodySmall)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                TextButton(onClick = onDismiss) { Text(stringResource(R.string.reminders_dismiss)) }
                TextButton(onClick = onSnooze) { Text(stringResource(R.string.reminders_snooze)) }
                if (n.category != NotificationCategory.SAFETY) {
                    TextButton(onClick = onMute) { Text(stringResource(R.string.reminders_mute)) }
                }
            }
        }
    }
}
