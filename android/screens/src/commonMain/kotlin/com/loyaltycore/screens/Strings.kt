// The shared screens' texts: one source of truth, the Android app's strings.xml files
// (android/sample/src/main/res/values{,-nl,-fr}). The screens ask for a text by its resource
// name; the Android app answers from its resources, the desktop renderer from the same files.

package com.loyaltycore.screens

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.runtime.staticCompositionLocalOf
import java.util.Locale

/** Every text the shared screens use, by its name in strings.xml. */
@Suppress("EnumEntryName")
enum class Str {
    tab_card, tab_points, tab_wallet, tab_receipts, tab_reminders, tab_list, tab_offers, tab_settings,
    channel_safety, channel_safety_description, channel_service, channel_service_description,
    channel_marketing, channel_marketing_description,
    card_title, card_loading, card_qr_description, card_rotates, card_number,
    cancel, done,
    wallet_empty, wallet_redeem, wallet_redeem_confirm, wallet_show_code, wallet_valid_until,
    voucher_available, voucher_redeeming, voucher_expired, voucher_revoked, voucher_redeemed,
    voucher_amount_off, voucher_amount_off_min, voucher_percent_off, voucher_free_product,
    voucher_points_multiplier, voucher_event,
    receipts_empty, receipts_return_until, receipts_warranty_until, receipts_lot, receipts_show, receipts_hide,
    reminders_empty, reminders_dismiss, reminders_snooze, reminders_mute, reminders_suppressed, reminders_why, reminders_on_list,
    settings_consent, settings_allow_notifications, settings_quiet_hours, settings_quiet_hours_description,
    settings_quiet_from, settings_quiet_until, settings_language,
    points_balance, points_pending, points_tier, points_to_next_tier, points_top_tier, points_window,
    points_status_pending, points_status_rejected, points_history,
    points_kind_earn, points_kind_redeem, points_kind_adjust, points_kind_expire, points_kind_reverse,
    list_add_hint, list_add, list_empty, list_usual, list_usual_add, list_quantity, list_from_reminder,
    offers_empty, offers_activate, offers_pending, offers_personal, offers_premium, offers_valid_until,
    offer_amount_off, offer_percent_off, offer_points_multiplier, offer_free_product,
}

/**
 * Where the texts come from, and how dates and amounts read: the Android app implements it over
 * its resources, the desktop renderer over the parsed strings.xml of one language.
 */
interface ScreenStrings {
    /** The texts' language, `en`, `nl` or `fr` (the core's own texts follow the shopper's setting). */
    val language: String

    /** The locale dates and amounts are formatted in. */
    val locale: Locale

    /**
     * The text named [key] with [args] filled in (Android's `%1$s` / `%1$d` syntax). Must fail
     * for a key it lacks: a missing text is a bug, never shown as the key's name.
     */
    fun text(key: Str, vararg args: Any): String
}

val LocalScreenStrings = staticCompositionLocalOf<ScreenStrings> { error("no ScreenStrings provided") }

/** The text named [key] in the current language. */
@Composable
@ReadOnlyComposable
fun str(key: Str, vararg args: Any): String = LocalScreenStrings.current.text(key, *args)

/**
 * A product's, store's, voucher's or tier's name in the screens' language: the core picks the
 * entry of [names] for that language, else [fallback], the name in the retailer's own language.
 */
@Composable
fun named(names: Map<String, String>, fallback: String): String =
    com.loyaltycore.localizedName(names, fallback, LocalScreenStrings.current.language)
