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

    /** A product of a Belgian catalogue: the till prints [name]; nl, fr and en names ride along. */
    private class Product(val gtin: String, val name: String, val nl: String, val fr: String, val en: String) {
        val names get() = """{"nl": "$nl", "fr": "$fr", "en": "$en"}"""
    }

    private val dogFood = Product("5410000000019", "Croquettes chien 12 kg", "Hondenbrokken 12 kg", "Croquettes pour chien 12 kg", "Dog food 12 kg")
    private val coffee = Product("4006381333931", "Koffiebonen 1 kg", "Koffiebonen 1 kg", "Café en grains 1 kg", "Coffee beans 1 kg")
    private val milk = Product("5400000000010", "Melk halfvol 1 L", "Halfvolle melk 1 L", "Lait demi-écrémé 1 L", "Semi-skimmed milk 1 L")
    private val tv = Product("0036000291452", "Téléviseur 4K 139 cm", "4K-televisie 139 cm", "Téléviseur 4K 139 cm", "4K television 139 cm")
    private val hdmi = Product("5400000000027", "HDMI-kabel 2 m", "HDMI-kabel 2 m", "Câble HDMI 2 m", "HDMI cable 2 m")

    private fun line(p: Product, quantity: Int, cents: Long, category: String, warrantyMonths: Int? = null) =
        """{"gtin": "${p.gtin}", "name": "${p.name}", "names": ${p.names}, "quantity": $quantity,
           "unit_price": {"amount_minor": $cents, "currency": "EUR"},
           "category": "$category"${warrantyMonths?.let { ", \"warranty_months\": $it" } ?: ""}}"""

    private val namur = """"store_name": "Namur Centre", "store_names": {"nl": "Namen Centrum", "fr": "Namur Centre", "en": "Namur Centre"}"""
    private val brussels = """"store_name": "Bruxelles Centre", "store_names": {"nl": "Brussel Centrum", "fr": "Bruxelles Centre", "en": "Brussels Centre"}"""

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
                """{"receipt": {"id": "screens-$k", $namur, "purchased_at": "$at",
                   "lines": [${line(dogFood, 1, 4999, "pet food")},
                             ${line(coffee, 1, 899, "coffee")},
                             ${line(milk, 6, 105, "dairy")}],
                   "source": "till"}}""",
            )
        }
        // Today's purchases at the till with the card: points, and a TV with a two-year warranty.
        call(
            "POST", "/v1/till/purchases",
            """{"card": "$cardNumber", $brussels, "lines": [
                ${line(tv, 1, 69900, "electronics", 24)},
                ${line(hdmi, 1, 1499, "electronics")}]}""",
        )
        call(
            "POST", "/v1/till/purchases",
            """{"card": "$cardNumber", $namur, "lines": [
                ${line(coffee, 2, 899, "coffee")}]}""",
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
            """{"kind": {"type": "percent_off", "percent": 10}, "title": "Pet food -10%",
               "titles": {"nl": "Dierenvoeding -10%", "fr": "Alimentation animale -10 %", "en": "Pet food -10%"}, "valid_until": "$soon"}""",
        )
        val event = now.plus(Duration.ofDays(20))
        call(
            "POST", "/v1/admin/members/$memberId/vouchers",
            """{"kind": {"type": "event_invitation", "event_name": "Pre-sale evening", "location": "Brussels Centre",
                        "starts_at": "$event", "ends_at": "${event.plus(Duration.ofHours(3))}"},
               "title": "Members' pre-sale evening",
               "titles": {"nl": "Voorverkoopavond voor leden", "fr": "Soirée de prévente pour les membres"}, "valid_until": "${event.plus(Duration.ofHours(3))}"}""",
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
