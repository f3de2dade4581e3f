package com.loyaltycore.sample

import com.loyaltycore.Money
import java.math.BigDecimal
import java.text.NumberFormat
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import java.util.Currency

/** Integer minor units with their currency, formatted for the device's locale. */
fun formatMoney(money: Money): String {
    val currency = runCatching { Currency.getInstance(money.currency) }.getOrNull()
        ?: return "${money.amountMinor} ${money.currency}"
    val format = NumberFormat.getCurrencyInstance().apply { this.currency = currency }
    return format.format(BigDecimal.valueOf(money.amountMinor, currency.defaultFractionDigits.coerceAtLeast(0)))
}

private val dateFormat = DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM)
private val dateTimeFormat = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT)

fun formatDate(at: Instant): String = dateFormat.format(at.atZone(ZoneId.systemDefault()))

fun formatDateTime(at: Instant): String = dateTimeFormat.format(at.atZone(ZoneId.systemDefault()))
