package com.loyaltycore.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import com.loyaltycore.domain.Money
import java.math.BigDecimal
import java.text.NumberFormat
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import java.util.Currency

/** Integer minor units with their currency, in the screens' locale. */
@Composable
@ReadOnlyComposable
fun formatMoney(money: Money): String {
    val locale = LocalScreenStrings.current.locale
    val currency = runCatching { Currency.getInstance(money.currency) }.getOrNull()
        ?: return "${money.amountMinor} ${money.currency}"
    val format = NumberFormat.getCurrencyInstance(locale).apply { this.currency = currency }
    return format.format(BigDecimal.valueOf(money.amountMinor, currency.defaultFractionDigits.coerceAtLeast(0)))
}

/** A date in the device's time zone, e.g. "7 dec 2026". */
@Composable
@ReadOnlyComposable
fun formatDate(at: Instant): String =
    DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(LocalScreenStrings.current.locale)
        .format(at.atZone(ZoneId.systemDefault()))

/** A date and time in the device's time zone. */
@Composable
@ReadOnlyComposable
fun formatDateTime(at: Instant): String =
    DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT).withLocale(LocalScreenStrings.current.locale)
        .format(at.atZone(ZoneId.systemDefault()))
