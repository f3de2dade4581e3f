package com.loyaltycore.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.loyaltycore.domain.Receipt
import com.loyaltycore.domain.WarrantyItem
import com.loyaltycore.receiptTotal
import java.time.Instant

/**
 * Digital receipts, newest first: proof of purchase with the return window and the warranties
 * still running. [returnUntil]: each receipt's last day to return it, by receipt id.
 * [reason]: the "why" of a reminder whose deep link opened this screen (a recall).
 * [open]: the receipt shown with its lines at first.
 */
@Composable
fun ReceiptsScreen(
    receipts: List<Receipt>,
    returnUntil: Map<String, Instant>,
    warranties: List<WarrantyItem>,
    reason: String? = null,
    open: String? = null,
) {
    var expanded by remember(open) { mutableStateOf(open) }
    LazyColumn(
        Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        reason?.let { item { ScreenText(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.primary) } }
        if (receipts.isEmpty()) item { ScreenText(str(Str.receipts_empty)) }
        items(receipts, key = { it.id }) { r ->
            val isOpen = expanded == r.id
            Card(Modifier.fillMaxWidth().clickable { expanded = if (isOpen) null else r.id }) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                        ScreenText(named(r.storeNames, r.storeName), Modifier.weight(1f), style = MaterialTheme.typography.titleMedium)
                        ScreenText(runCatching { receiptTotal(r) }.getOrNull()?.let { formatMoney(it) } ?: "", style = MaterialTheme.typography.titleMedium, maxLines = 1)
                    }
                    ScreenText(formatDateTime(r.purchasedAt), style = MaterialTheme.typography.bodySmall, maxLines = 1)
                    val ours = warranties.filter { it.receiptId == r.id }
                    for (w in ours) {
                        ScreenText(
                            str(Str.receipts_warranty_until, named(w.names, w.name), formatDate(w.warrantyUntil)),
                            style = MaterialTheme.typography.bodySmall,
                            color = MaterialTheme.colorScheme.primary,
                        )
                    }
                    if (isOpen) {
                        Column(Modifier.padding(top = 4.dp), verticalArrangement = Arrangement.spacedBy(2.dp)) {
                            for (line in r.lines) {
                                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                                    val lot = line.lot?.let { " " + str(Str.receipts_lot, it) } ?: ""
                                    ScreenText("${line.quantity} × ${named(line.names, line.name)}$lot", Modifier.weight(1f))
                                    ScreenText(formatMoney(line.unitPrice), maxLines = 1)
                                }
                            }
                            returnUntil[r.id]?.let {
                                ScreenText(str(Str.receipts_return_until, formatDate(it)), style = MaterialTheme.typography.bodySmall)
                            }
                        }
                    }
                    ScreenText(
                        str(if (isOpen) Str.receipts_hide else Str.receipts_show),
                        style = MaterialTheme.typography.labelLarge,
                        color = MaterialTheme.colorScheme.primary,
                        maxLines = 1,
                    )
                }
            }
        }
    }
}
