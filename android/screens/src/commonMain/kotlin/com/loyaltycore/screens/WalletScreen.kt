package com.loyaltycore.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
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
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.loyaltycore.domain.EcLevel
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.domain.Symbology
import com.loyaltycore.domain.Voucher
import com.loyaltycore.domain.VoucherKind
import com.loyaltycore.domain.VoucherState
import com.loyaltycore.encodeBarcode
import kotlinx.coroutines.launch

/**
 * The wallet: vouchers with what they are worth and until when. Tapping an available one asks
 * to redeem it ([redeem]: offline, the caller syncs it later) and then shows its signed code as a
 * QR for the till; tapping one being redeemed shows the code again.
 */
@Composable
fun WalletScreen(vouchers: List<Voucher>, redeem: suspend (Voucher) -> Voucher) {
    val scope = rememberCoroutineScope()
    var confirm by remember { mutableStateOf<Voucher?>(null) }
    var showing by remember { mutableStateOf<Voucher?>(null) }
    var error by remember { mutableStateOf<String?>(null) }

    LazyColumn(
        Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (vouchers.isEmpty()) item { ScreenText(str(Str.wallet_empty)) }
        items(vouchers, key = { it.id }) { v ->
            Card(
                Modifier.fillMaxWidth().clickable {
                    if (v.state is VoucherState.Redeeming) showing = v else if (v.state == VoucherState.Available) confirm = v
                },
            ) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    ScreenText(named(v.titles, v.title), style = MaterialTheme.typography.titleMedium)
                    ScreenText(describe(v.kind, v.titles))
                    v.description?.let { ScreenText(it, style = MaterialTheme.typography.bodySmall) }
                    ScreenText(str(Str.wallet_valid_until, formatDate(v.validUntil)), style = MaterialTheme.typography.bodySmall)
                    ScreenText(
                        stateText(v.state),
                        style = MaterialTheme.typography.labelLarge,
                        color = if (v.state == VoucherState.Available) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
            }
        }
        error?.let { item { ScreenText(it, color = MaterialTheme.colorScheme.error) } }
    }

    confirm?.let { v ->
        AlertDialog(
            onDismissRequest = { confirm = null },
            title = { ScreenText(named(v.titles, v.title)) },
            text = { ScreenText(str(Str.wallet_redeem_confirm)) },
            confirmButton = {
                Button(onClick = {
                    confirm = null
                    scope.launch {
                        try {
                            showing = redeem(v)
                        } catch (e: LoyaltyException) {
                            error = e.message
                        }
                    }
                }) { ScreenText(str(Str.wallet_redeem), maxLines = 1) }
            },
            dismissButton = { TextButton(onClick = { confirm = null }) { ScreenText(str(Str.cancel), maxLines = 1) } },
        )
    }
    showing?.let { v ->
        AlertDialog(
            onDismissRequest = { showing = null },
            title = { ScreenText(named(v.titles, v.title)) },
            text = {
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    ScreenText(str(Str.wallet_show_code))
                    val matrix = remember(v.code) { runCatching { encodeBarcode(v.code, Symbology.QR_CODE, EcLevel.MEDIUM) }.getOrNull() }
                    if (matrix != null) QrCode(matrix, Modifier.fillMaxWidth().aspectRatio(1f))
                }
            },
            confirmButton = { TextButton(onClick = { showing = null }) { ScreenText(str(Str.done), maxLines = 1) } },
        )
    }
}

/** What a voucher gives; an invitation's event named by the voucher's titles in other languages. */
@Composable
private fun describe(kind: VoucherKind, titles: Map<String, String>): String = when (kind) {
    is VoucherKind.AmountOff -> kind.minSpend?.let { str(Str.voucher_amount_off_min, formatMoney(kind.amount), formatMoney(it)) }
        ?: str(Str.voucher_amount_off, formatMoney(kind.amount))
    is VoucherKind.PercentOff -> str(Str.voucher_percent_off, kind.percent.toInt())
    is VoucherKind.FreeProduct -> str(Str.voucher_free_product, kind.productName)
    is VoucherKind.PointsMultiplier -> str(Str.voucher_points_multiplier, kind.multiplier.toInt())
    is VoucherKind.EventInvitation -> str(Str.voucher_event, named(titles, kind.eventName), kind.location, formatDateTime(kind.startsAt))
}

@Composable
private fun stateText(state: VoucherState): String = when (state) {
    VoucherState.Available -> str(Str.voucher_available)
    is VoucherState.Redeeming -> str(Str.voucher_redeeming)
    is VoucherState.Redeemed -> str(Str.voucher_redeemed, formatDate(state.at))
    VoucherState.Expired -> str(Str.voucher_expired)
    VoucherState.Revoked -> str(Str.voucher_revoked)
}
