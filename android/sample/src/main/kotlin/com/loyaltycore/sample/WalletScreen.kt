package com.loyaltycore.sample

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.loyaltycore.EcLevel
import com.loyaltycore.LoyaltyException
import com.loyaltycore.Symbology
import com.loyaltycore.Voucher
import com.loyaltycore.VoucherKind
import com.loyaltycore.VoucherState
import com.loyaltycore.encodeBarcode
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.work.SyncWorker
import kotlinx.coroutines.launch

/**
 * The wallet: vouchers with what they are worth and until when; redeeming one (offline too)
 * shows its signed code as a QR for the till, and a sync resolves the redemption.
 */
@Composable
fun WalletScreen(loyalty: Loyalty) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val flow = remember(loyalty) { loyalty.wallets }
    val vouchers by flow.collectAsStateWithLifecycle(initialValue = emptyList())
    var confirm by remember { mutableStateOf<Voucher?>(null) }
    var showing by remember { mutableStateOf<Voucher?>(null) }
    var error by remember { mutableStateOf<String?>(null) }

    LazyColumn(Modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        if (vouchers.isEmpty()) item { Text(stringResource(R.string.wallet_empty)) }
        items(vouchers, key = { it.id }) { v ->
            Card(Modifier.fillMaxWidth().clickable { if (v.state is VoucherState.Redeeming) showing = v else if (v.state == VoucherState.Available) confirm = v }) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(v.title, style = MaterialTheme.typography.titleMedium)
                    Text(describe(v.kind))
                    v.description?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                    Text(stringResource(R.string.wallet_valid_until, formatDate(v.validUntil)), style = MaterialTheme.typography.bodySmall)
                    Text(stateText(v.state), style = MaterialTheme.typography.labelLarge)
                }
            }
        }
        error?.let { item { Text(it, color = MaterialTheme.colorScheme.error) } }
    }

    confirm?.let { v ->
        AlertDialog(
            onDismissRequest = { confirm = null },
            title = { Text(v.title) },
            text = { Text(stringResource(R.string.wallet_redeem_confirm)) },
            confirmButton = {
                Button(onClick = {
                    confirm = null
                    scope.launch {
                        try {
                            showing = loyalty.redeem(v.id).voucher
                            // Resolved with the server as soon as the network allows.
                            SyncWorker.syncSoon(context)
                        } catch (e: LoyaltyException) {
                            error = e.message
                        }
                    }
                }) { Text(stringResource(R.string.wallet_redeem)) }
            },
            dismissButton = { TextButton(onClick = { confirm = null }) { Text(stringResource(R.string.cancel)) } },
        )
    }
    showing?.let { v ->
        AlertDialog(
            onDismissRequest = { showing = null },
            title = { Text(v.title) },
            text = {
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(stringResource(R.string.wallet_show_code))
                    val matrix = remember(v.code) { runCatching { encodeBarcode(v.code, Symbology.QR_CODE, EcLevel.MEDIUM) }.getOrNull() }
                    if (matrix != null) QrCode(matrix, Modifier.fillMaxWidth().aspectRatio(1f))
                    Text(v.code, style = MaterialTheme.typography.bodySmall)
                }
            },
            confirmButton = { TextButton(onClick = { showing = null }) { Text(stringResource(R.string.done)) } },
        )
    }
}

@Composable
private fun describe(kind: VoucherKind): String = when (kind) {
    is VoucherKind.AmountOff -> kind.minSpend?.let { stringResource(R.string.voucher_amount_off_min, formatMoney(kind.amount), formatMoney(it)) }
        ?: stringResource(R.string.voucher_amount_off, formatMoney(kind.amount))
    is VoucherKind.PercentOff -> stringResource(R.string.voucher_percent_off, kind.percent.toInt())
    is VoucherKind.FreeProduct -> stringResource(R.string.voucher_free_product, kind.productName)
    is VoucherKind.PointsMultiplier -> stringResource(R.string.voucher_points_multiplier, kind.multiplier.toInt())
    is VoucherKind.EventInvitation -> stringResource(R.string.voucher_event, kind.eventName, kind.location, formatDateTime(kind.startsAt))
}

@Composable
private fun stateText(state: VoucherState): String = when (state) {
    VoucherState.Available -> stringResource(R.string.voucher_available)
    is VoucherState.Redeeming -> stringResource(R.string.voucher_redeeming)
    is VoucherState.Redeemed -> stringResource(R.string.voucher_redeemed, formatDate(state.at))
    VoucherState.Expired -> stringResource(R.string.voucher_expired)
    VoucherState.Revoked -> stringResource(R.string.voucher_revoked)
}
