package com.loyaltycore.screens.desktop

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.util.UUID

/**
 * The retailer's side of the reference server on loopback (its admin and till endpoints, with
 * the till token): what a shopper's account holds after some months of shopping.
 */
class ReferenceServer(private val baseUrl: String, private val tillToken: String) {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()

    /** Sends [json] to [path]; returns the answer's body, failing on anything but 2xx. */
    fun call(method: String, path: String, json: String): String {
        val request = HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer $tillToken")
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .method(method, HttpRequest.BodyPublishers.ofString(json))
            .timeout(Duration.ofSeconds(30))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        // The server's error answers carry a fixed reason (digit runs are masked when printed).
        check(response.statusCode() in 200..299) { "$method $path: HTTP ${response.statusCode()} ${response.body().take(300)}" }
        return response.body()
    }

    private fun line(gtin: String, name: String, quantity: Int, cents: Long, category: String, warrantyMonths: Int? = null) =
        """{"gtin": "$gtin", "name": "$name", "quantity": $quantity, "unit_price": {"amount_minor": $cents, "currency": "EUR"},
           "category": "$category"${warrantyMonths?.let { ", \"warranty_months\": $it" } ?: ""}}"""

    /** Everything the screens show, for the member [memberId] with card [cardNumber], around [now]. */
    fun seed(memberId: String, cardNumber: String, now: Instant) {
        // Reminder rules (the content feed the app syncs): replenishment, voucher expiry, tier.
        call(
            "PUT", "/v1/admin/content/reminder-rules",
            """{"version": 1, "rules": [
                {"id": "dog-food", "kind": "replenishment", "products": {"categories": ["pet food"]}, "lead_days": 3},
                {"id": "voucher-expiry", "kind": "voucher_expiry", "days_before": [7, 1]},
                {"id": "tier", "kind": "tier_progress", "max_points_to_next": 500}
            ]}""",
        )
        // Five months of the usual shop (dog food every four weeks, coffee and milk with it).
        for (k in 4 downTo 0) {
            val at = now.minus(Duration.ofDays(25L + 28L * k)).minus(Duration.ofHours(2))
            call(
                "POST", "/v1/admin/members/$memberId/receipts",
                """{"receipt": {"id": "screens-$k", "store_name": "Namur Centre", "purchased_at": "$at",
                   "lines": [${line("5410000000019", "Croquettes chien 12 kg", 1, 4999, "pet food")},
                             ${line("4006381333931", "Koffiebonen 1 kg", 1, 899, "coffee")},
                             ${line("5400000000010", "Melk halfvol 1 L", 6, 105, "dairy")}],
                   "source": "till"}}""",
            )
        }
        // Today's purchases at the till with the card: points, and a TV with a two-year warranty.
        call(
            "POST", "/v1/till/purchases",
            """{"card": "$cardNumber", "store_name": "Brussels Centre", "lines": [
                ${line("0036000291452", "Téléviseur 4K 139 cm", 1, 69900, "electronics", 24)},
                ${line("5400000000027", "HDMI-kabel 2 m", 1, 1499, "electronics")}]}""",
        )
        call(
            "POST", "/v1/till/purchases",
            """{"card": "$cardNumber", "store_name": "Namur Centre", "lines": [
                ${line("4006381333931", "Koffiebonen 1 kg", 2, 899, "coffee")}]}""",
        )
        // The welcome bonus, a €5 voucher, 10% off pet food (expiring soon) and an event.
        call("POST", "/v1/admin/members/$memberId/points", """{"points": 250, "kind": "adjust"}""")
        val soon = now.plus(Duration.ofDays(6))
        val later = now.plus(Duration.ofDays(60))
        call(
            "POST", "/v1/admin/members/$memberId/vouchers",
            """{"kind": {"type": "amount_off", "amount": {"amount_minor": 500, "currency": "EUR"}}, "title": "€5", "valid_until": "$later"}""",
        )
        call(
            "POST", "/v1/admin/members/$memberId/vouchers",
            """{"kind": {"type": "percent_off", "percent": 10}, "title": "Pet food -10%", "valid_until": "$soon"}""",
        )
        val event = now.plus(Duration.ofDays(20))
        call(
            "POST", "/v1/admin/members/$memberId/vouchers",
            """{"kind": {"type": "event_invitation", "event_name": "Pre-sale evening", "location": "Brussels Centre",
                        "starts_at": "$event", "ends_at": "${event.plus(Duration.ofHours(3))}"},
               "title": "Members' pre-sale evening", "valid_until": "${event.plus(Duration.ofHours(3))}"}""",
        )
        // A personal opt-in offer and a general automatic one.
        call(
            "POST", "/v1/admin/offers",
            """{"title": {"nl": "Koffie -20%", "fr": "Café -20 %", "en": "Coffee -20%"},
               "kind": {"type": "percent_off", "target": {"type": "product", "gtin": "4006381333931"}, "percent": 20},
               "valid_until": "${now.plus(Duration.ofDays(7))}", "activation": "opt_in", "limit": "once_per_member",
               "member_id": "$memberId"}""",
        )
        call(
            "POST", "/v1/admin/offers",
            """{"title": {"nl": "Dubbele punten op koffie", "fr": "Points doublés sur le café", "en": "Double points on coffee"},
               "kind": {"type": "points_multiplier", "target": {"type": "category", "category": "coffee"}, "multiplier": 2},
               "valid_until": "${now.plus(Duration.ofDays(14))}", "activation": "automatic", "limit": "once_per_household"}""",
        )
    }
}
