package com.loyaltycore.screens

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
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.loyaltycore.Balance
import com.loyaltycore.domain.EntryKind
import com.loyaltycore.domain.EntryStatus
import com.loyaltycore.domain.LedgerEntry
import com.loyaltycore.domain.TierStatus

/** The balance (with what is pending), the tier with the progress to the next, the ledger. */
@Composable
fun PointsScreen(
    balance: Balance?,
    tier: TierStatus?,
    entries: List<LedgerEntry>,
    /** What the core says of an entry in the screen's language, by sequence number. */
    descriptions: Map<ULong, String> = emptyMap(),
) {
    LazyColumn(
        Modifier.fillMaxSize().padding(horizontal = 16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        item {
            balance?.let { b ->
                Column(Modifier.padding(top = 16.dp)) {
                    ScreenText(str(Str.points_balance, b.available), style = MaterialTheme.typography.headlineMedium, maxLines = 1)
                    if (b.pendingCredit != 0L || b.pendingDebit != 0L) {
                        ScreenText(str(Str.points_pending, b.pendingCredit, -b.pendingDebit), style = MaterialTheme.typography.bodyMedium)
                    }
                }
            }
        }
        item {
            tier?.let { t ->
                Column(Modifier.fillMaxWidth().padding(vertical = 8.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    ScreenText(str(Str.points_tier, named(t.tierNames, t.tier)), style = MaterialTheme.typography.titleLarge, maxLines = 1)
                    val next = t.nextTier
                    val missing = t.pointsToNextTier
                    if (next != null && missing != null) {
                        val target = t.qualifyingPoints + missing
                        LinearProgressIndicator(
                            progress = { if (target > 0) t.qualifyingPoints.toFloat() / target else 1f },
                            modifier = Modifier.fillMaxWidth(),
                        )
                        ScreenText(str(Str.points_to_next_tier, missing, named(t.nextTierNames, next)))
                    } else {
                        ScreenText(str(Str.points_top_tier))
                    }
                    ScreenText(str(Str.points_window, formatDate(t.windowStart)), style = MaterialTheme.typography.bodySmall)
                }
                HorizontalDivider()
            }
        }
        if (entries.isNotEmpty()) {
            item { ScreenText(str(Str.points_history), style = MaterialTheme.typography.titleMedium, maxLines = 1) }
        }
        items(entries, key = { it.seq.toString() }) { e ->
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(12.dp), verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f)) {
                    ScreenText(
                        descriptions[e.seq] ?: e.description ?: when (e.kind) {
                            EntryKind.EARN -> str(Str.points_kind_earn)
                            EntryKind.REDEEM -> str(Str.points_kind_redeem)
                            EntryKind.ADJUST -> str(Str.points_kind_adjust)
                            EntryKind.EXPIRE -> str(Str.points_kind_expire)
                            EntryKind.REVERSE -> str(Str.points_kind_reverse)
                        },
                    )
                    val status = when (e.status) {
                        EntryStatus.PENDING -> " " + str(Str.points_status_pending)
                        EntryStatus.REJECTED -> " " + str(Str.points_status_rejected)
                        EntryStatus.CONFIRMED -> ""
                    }
                    ScreenText(formatDate(e.at) + status, style = MaterialTheme.typography.bodySmall, maxLines = 1)
                }
                ScreenText(if (e.points > 0) "+${e.points}" else e.points.toString(), style = MaterialTheme.typography.titleMedium, maxLines = 1)
            }
        }
    }
}
