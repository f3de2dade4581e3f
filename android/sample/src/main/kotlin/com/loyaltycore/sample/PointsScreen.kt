package com.loyaltycore.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.loyaltycore.EntryStatus
import com.loyaltycore.LedgerEntry
import com.loyaltycore.facade.Loyalty

/** The balance (confirmed and pending), the tier with the progress to the next, the ledger. */
@Composable
fun PointsScreen(loyalty: Loyalty) {
    val balanceFlow = remember(loyalty) { loyalty.balances }
    val tierFlow = remember(loyalty) { loyalty.tiers }
    val balance by balanceFlow.collectAsStateWithLifecycle(initialValue = null)
    val tier by tierFlow.collectAsStateWithLifecycle(initialValue = null)
    val entries by produceState(emptyList<LedgerEntry>(), balance) { value = loyalty.recentEntries(100) }

    LazyColumn(Modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item {
            balance?.let { b ->
                Text(stringResource(R.string.points_balance, b.available), style = MaterialTheme.typography.headlineMedium)
                if (b.pendingCredit != 0L || b.pendingDebit != 0L) {
                    Text(stringResource(R.string.points_pending, b.pendingCredit, b.pendingDebit), style = MaterialTheme.typography.bodyMedium)
                }
            }
        }
        item {
            tier?.let { t ->
                Column(Modifier.fillMaxWidth().padding(vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(stringResource(R.string.points_tier, t.tier), style = MaterialTheme.typography.titleLarge)
                    val next = t.nextTier
                    val missing = t.pointsToNextTier
                    if (next != null && missing != null) {
                        val target = t.qualifyingPoints + missing
                        LinearProgressIndicator(
                            progress = { if (target > 0) t.qualifyingPoints.toFloat() / target else 1f },
                            modifier = Modifier.fillMaxWidth(),
                        )
                        Text(stringResource(R.string.points_to_next_tier, missing, next))
                    } else {
                        Text(stringResource(R.string.points_top_tier))
                    }
                    Text(stringResource(R.string.points_window, formatDate(t.windowStart)), style = MaterialTheme.typography.bodySmall)
                }
                HorizontalDivider()
            }
        }
        items(entries, key = { it.seq.toString() }) { e ->
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                Column(Modifier.weight(1f)) {
                    Text(e.description ?: e.kind.name.lowercase().replaceFirstChar { it.uppercase() })
                    val status = when (e.status) {
                        EntryStatus.PENDING -> stringResource(R.string.points_status_pending)
                        EntryStatus.REJECTED -> stringResource(R.string.points_status_rejected)
                        EntryStatus.CONFIRMED -> ""
                    }
                    Text("${formatDate(e.at)} $status", style = MaterialTheme.typography.bodySmall)
                }
                Text(if (e.points > 0) "+${e.points}" else e.points.toString(), style = MaterialTheme.typography.titleMedium)
            }
        }
    }
}
