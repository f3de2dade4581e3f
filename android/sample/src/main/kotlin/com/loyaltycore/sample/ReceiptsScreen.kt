package com.loyaltycore.sample

import androidx.compose.foundation.clickable
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
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.loyaltycore.Receipt
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.receiptTotal

/**
 * Digital receipts, newest first: proof of purchase with the return window and warranties.
 * [reason]: the "why" of a reminder whose deep link opened this screen (a recall).
 */
@Composable
fun ReceiptsScreen(loyalty: Loyalty, reason: String?) {
    val flow = remember(loyalty) { loyalty.receiptLists }
    val receipts by flow.collectAsStateWithLifecycle(initialValue = emptyList())
    var open by remember { mutableStateOf<String?>(null) }

    LazyColumn(Modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        reason?.let { item { Text(it, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.primary) } }
        if (receipts.isEmpty()) item { Text(stringResource(R.string.receipts_empty)) }
        items(receipts, key = { it.id }) { r ->
            Card(Modifier.fillMaxWidth().clickable { open = if (open == r.id) null else r.id }) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                        Text(r.storeName, style = MaterialTheme.typography.titleMedium)
                        Text(runCatching { formatMoney(receiptTotal(r)) }.getOrDefault(""))
                    }
                    Text(formatDateTime(r.purchasedAt), style = MaterialTheme.typography.bodySmall)
                    if (open == r.id) ReceiptDetails(loyalty, r)
                }
            }
        }
    }
}

@Composable
private fun ReceiptDetails(loyalty: Loyalty, receipt: Receipt) {
    val returnUntil by produceState<java.time.Instant?>(null, receipt.id) { value = runCatching { loyalty.returnUntil(receipt.id) }.getOrNull() }
    val warranties by produceState(emptyList<com.loyaltycore.WarrantyItem>(), receipt.id) {
        value = runCatching { loyalty.activeWarranties().filter { it.receiptId == receipt.id } }.getOrDefault(emptyList())
    }
    Column(verticalArrangement = Arrangement.spacedBy(2.dp)) {
        for (line in receipt.lines) {
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                Text("${line.quantity} × ${line.name}" + (line.lot?.let { " (lot $it)" } ?: ""), Modifier.weight(1f))
                Text(formatMoney(line.unitPrice))
            }
        }
        returnUntil?.let { Text(stringResource(R.string.receipts_return_until, formatDate(it)), style = MaterialTheme.typography.bodySmall) }
        for (w in warranties) {
            Text(stringResource(R.string.receipts_warranty_until, w.name, formatDate(w.warrantyUntil)), style = MaterialTheme.typography.bodySmall)
        }
    }
}
