package com.loyaltycore.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.loyaltycore.domain.OfferActivation
import com.loyaltycore.domain.OfferItem
import com.loyaltycore.domain.OfferKind
import com.loyaltycore.domain.OfferScope
import com.loyaltycore.domain.OfferState
import com.loyaltycore.domain.OfferTitle
import com.loyaltycore.offerStateText

/**
 * The member's offers as the last sync brought them: personal ones marked, opt-in ones with an
 * "Activate" button ([activate]: at once and offline, the next sync tells the server), and the
 * state of each in the core's words.
 */
@Composable
fun OffersScreen(offers: List<OfferItem>, activate: (OfferItem) -> Unit) {
    val language = LocalScreenStrings.current.language
    LazyColumn(
        Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (offers.isEmpty()) item { ScreenText(str(Str.offers_empty)) }
        items(offers, key = { it.offer.id }) { item ->
            val offer = item.offer
            val personal = offer.scope == OfferScope.PERSONAL
            Card(
                Modifier.fillMaxWidth(),
                colors = if (personal) CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer) else CardDefaults.cardColors(),
            ) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    val badges = listOfNotNull(
                        if (personal) str(Str.offers_personal) else null,
                        if (offer.premiumOnly) str(Str.offers_premium) else null,
                    )
                    if (badges.isNotEmpty()) {
                        ScreenText(badges.joinToString(" · "), style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.primary, maxLines = 1)
                    }
                    ScreenText(title(offer.title, language), style = MaterialTheme.typography.titleMedium)
                    ScreenText(describe(offer.kind))
                    ScreenText(str(Str.offers_valid_until, formatDate(offer.validUntil)), style = MaterialTheme.typography.bodySmall)
                    // The state in the core's words ("Activate it first", "Activated", "Used").
                    ScreenText(offerStateText(item.state, language), style = MaterialTheme.typography.labelLarge)
                    if (item.pending) {
                        ScreenText(str(Str.offers_pending), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    }
                    if (item.state == OfferState.AVAILABLE && offer.activation == OfferActivation.OPT_IN) {
                        Button(onClick = { activate(item) }) { ScreenText(str(Str.offers_activate), maxLines = 1) }
                    }
                }
            }
        }
    }
}

private fun title(title: OfferTitle, language: String): String = when (language) {
    "nl" -> title.nl
    "fr" -> title.fr
    else -> title.en
}

@Composable
private fun describe(kind: OfferKind): String = when (kind) {
    is OfferKind.AmountOff -> str(Str.offer_amount_off, formatMoney(kind.amount))
    is OfferKind.PercentOff -> str(Str.offer_percent_off, kind.percent.toInt())
    is OfferKind.PointsMultiplier -> str(Str.offer_points_multiplier, kind.multiplier.toInt())
    is OfferKind.FreeProduct -> str(Str.offer_free_product, kind.quantity.toInt())
}
