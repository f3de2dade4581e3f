// Renders every shared screen headless (Skia raster, no GPU, no window) at phone size, in each
// language and theme, driven by the real core through the generated bindings and the Kotlin
// facade, against the reference server on loopback. Fails, naming the screen, language and
// theme, on a text that overflows and on a missing or blank string.
//
//   java -Djava.awt.headless=true -Djna.library.path=target/debug \
//        -Dloyalty.serverUrl=... -Dloyalty.tillToken=... -Dscreens.res=android/sample/src/main/res \
//        -Dscreens.out=build/screens com.loyaltycore.screens.desktop.RenderKt
//
// Writes <out>/<screen>-<language>-<theme>.png and <out>/card-payload.txt (the card screen's QR
// payload, read back from the PNGs by decode.py). Prints "Screens render: N passed, N failed".

package com.loyaltycore.screens.desktop

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.foundation.layout.offset
import androidx.compose.foundation.layout.width
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.Density
import androidx.compose.ui.unit.dp
import com.loyaltycore.Clock
import com.loyaltycore.domain.EcLevel
import com.loyaltycore.ListItem
import com.loyaltycore.domain.ListItemSource
import com.loyaltycore.domain.OfferItem
import com.loyaltycore.PlannedNotification
import com.loyaltycore.SecretStore
import com.loyaltycore.domain.UsualItem
import com.loyaltycore.domain.Voucher
import com.loyaltycore.domain.VoucherKind
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.screens.CardScreen
import com.loyaltycore.screens.ListActions
import com.loyaltycore.screens.LocalScreenStrings
import com.loyaltycore.screens.LocalTextChecks
import com.loyaltycore.screens.LoyaltyScaffold
import com.loyaltycore.screens.LoyaltyTheme
import com.loyaltycore.screens.OffersScreen
import com.loyaltycore.screens.PointsScreen
import com.loyaltycore.screens.ReceiptsScreen
import com.loyaltycore.screens.ReminderActions
import com.loyaltycore.screens.RemindersScreen
import com.loyaltycore.screens.Screen
import com.loyaltycore.screens.ScreenText
import com.loyaltycore.screens.SettingsScreen
import com.loyaltycore.screens.ShoppingListScreen
import com.loyaltycore.screens.Str
import com.loyaltycore.screens.TextChecks
import com.loyaltycore.screens.WalletScreen
import java.io.File
import java.nio.file.Files
import java.time.Instant
import java.time.temporal.ChronoUnit
import java.util.Locale
import java.util.TimeZone
import kotlin.system.exitProcess
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.jetbrains.skia.EncodedImageFormat

/** A phone: 411 × 891 dp (a Pixel-class screen) at [DENSITY] pixels per dp. */
private const val WIDTH_DP = 411
private const val HEIGHT_DP = 891
private val DENSITY = (System.getProperty("screens.density") ?: "2").toFloat()

/** Tall enough to lay out every row of every screen with the seeded data. */
private const val TALL_DP = 4000

/**
 * The languages: the folder of their strings.xml, the regional folder laid over it (as Android
 * resolves `values-nl-rBE` before `values-nl`), the core's language tag, the formats' locale.
 */
private data class Language(val code: String, val values: String, val overlay: String?, val coreTag: String, val locale: Locale)

// A Belgian shopper: Flemish Dutch and Belgian French, app texts and the core's alike.
private val LANGUAGES = listOf(
    // English as written in Ireland: euro amounts as "€5.00", dates as "13 Dec 2026".
    Language("en", "values", null, "en", Locale.forLanguageTag("en-IE")),
    Language("nl", "values-nl", "values-nl-rBE", "nl-BE", Locale.forLanguageTag("nl-BE")),
    Language("fr", "values-fr", "values-fr-rBE", "fr-BE", Locale.forLanguageTag("fr-BE")),
)

/** The app's clock, injected and fixed: every screen is drawn at the same instant. */
private class FixedClock(private val at: Instant) : Clock {
    override fun now(): Instant = at
}

/** The platform keystore's stand-in on the desktop: the card secret and token in memory. */
private class MemorySecrets : SecretStore {
    private val values = HashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = values[key]
    override fun put(key: String, value: ByteArray) { values[key] = value }
    override fun delete(key: String) { values.remove(key) }
}

private var passed = 0
private var failed = 0

private fun ok(name: String) {
    passed++
    println("ok     $name")
}

private fun fail(name: String, why: String) {
    failed++
    // Long digit runs (a card number inside a text) never reach the log.
    println("FAILED $name: ${why.replace(Regex("\\d{8,}"), "…")}")
}

/** What one render saw: each text laid out and whether it overflowed (the last layout counts). */
private class Seen : TextChecks {
    val texts = LinkedHashMap<String, Boolean>()
    override fun laidOut(text: String, overflows: Boolean) {
        texts[text] = overflows
    }
}

private fun property(name: String): String = System.getProperty(name) ?: error("-D$name not set")

fun main() {
    val serverUrl = property("loyalty.serverUrl")
    val tillToken = property("loyalty.tillToken")
    val res = File(property("screens.res"))
    val out = File(property("screens.out")).also { it.mkdirs() }
    TimeZone.setDefault(TimeZone.getTimeZone("Europe/Brussels"))

    // 0. The checks can fail: a text too long for its one line is reported, a missing text throws.
    selfTest()

    // 1. Every text in every language: the same names, none blank, every one the screens use.
    val texts = LANGUAGES.associateWith { lang ->
        val base = readStringsXml(File(res, "${lang.values}/strings.xml"))
        val regional = lang.overlay?.let { File(res, "$it/strings.xml") }?.takeIf { it.exists() }?.let(::readStringsXml).orEmpty()
        val strays = regional.keys - base.keys
        if (strays.isNotEmpty()) fail("strings ${lang.overlay}", "not in ${lang.values}: ${strays.joinToString()}")
        base + regional
    }
    val reference = texts.getValue(LANGUAGES.first()).keys
    for ((lang, map) in texts) {
        val problems = mutableListOf<String>()
        Str.entries.filter { map[it.name].isNullOrBlank() }.forEach { problems += "missing or blank: ${it.name}" }
        (reference - map.keys).forEach { problems += "missing: $it" }
        (map.keys - reference).forEach { problems += "not in the default language: $it" }
        map.filterValues { it.isBlank() }.keys.forEach { problems += "blank: $it" }
        if (problems.isEmpty()) ok("strings ${lang.code}: ${map.size} texts") else fail("strings ${lang.code}", problems.joinToString("; "))
    }

    // 2. The shopper's device: a real core on a temporary store, the clock fixed a few minutes
    //    ahead of the server's time (the till purchases below happen before it).
    val now = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(5, ChronoUnit.MINUTES)
    val dir = Files.createTempDirectory("loyalty-screens").toFile()
    try {
        runBlocking {
            Loyalty.open(dir, MemorySecrets(), clock = FixedClock(now), io = Dispatchers.IO).use { loyalty ->
                val enrolment = loyalty.enrol(serverUrl, null)
                val cardNumber = enrolment.card?.cardNumber ?: error("no card came with the enrolment")
                ReferenceServer(serverUrl, tillToken).seed(enrolment.memberId, cardNumber, now)
                loyalty.syncNow()
                val s = loyalty.reminderSettings()
                loyalty.setReminderSettings(s.copy(consent = s.consent.copy(safety = true, service = true, marketing = true)))
                // The shopper's own actions: a voucher redeemed at the till (offline), the
                // reminder's "Add it to your shopping list?", an item typed by hand.
                val petFood = loyalty.vouchers().first { it.kind is VoucherKind.PercentOff }
                loyalty.redeem(petFood.id)
                loyalty.reminderPlan().items.firstOrNull { it.listOffer != null }?.let { loyalty.addReminderToList(it) }
                loyalty.addToList("Batterijen AA / Piles AA", 4)

                val card = loyalty.tillCard(EcLevel.MEDIUM)
                File(out, "card-payload.txt").writeText(card.code.payload + "\n")
                val balance = loyalty.balance()
                val tier = loyalty.tier()
                val entries = loyalty.recentEntries(20)
                val vouchers = loyalty.vouchers().sortedBy { it.validUntil }
                val receipts = loyalty.receipts().sortedByDescending { it.purchasedAt }
                val returnUntil = receipts.associate { it.id to loyalty.returnUntil(it.id) }
                val warranties = loyalty.activeWarranties()
                val offers = loyalty.offers()
                val withWarranty = warranties.firstOrNull()?.receiptId

                for (lang in LANGUAGES) {
                    // The core's own texts (reminders, the usual items' why) in this language.
                    loyalty.setReminderSettings(loyalty.reminderSettings().copy(language = lang.coreTag))
                    val settings = loyalty.reminderSettings()
                    val plan = loyalty.reminderPlan()
                    val list = loyalty.shoppingList(5)
                    val onList = list.items.mapNotNull { (it.source as? ListItemSource.Reminder)?.notificationId }.toSet()
                    val strings = XmlStrings(lang.code, lang.locale, texts.getValue(lang))
                    val described = loyalty.describeEntries(entries, lang.coreTag)
                    val screens = listOf(
                        page(Screen.CARD) { CardScreen(card) },
                        page(Screen.POINTS) { PointsScreen(balance, tier, entries, described) },
                        page(Screen.WALLET) { WalletScreen(vouchers) { v: Voucher -> v } },
                        page(Screen.OFFERS) { OffersScreen(offers) { _: OfferItem -> } },
                        page(Screen.LIST) { ShoppingListScreen(list, NoListActions) },
                        page(Screen.RECEIPTS) { ReceiptsScreen(receipts, returnUntil, warranties, open = withWarranty) },
                        page(Screen.REMINDERS) { RemindersScreen(plan, NoReminderActions, onList = onList) },
                        page(Screen.SETTINGS) { SettingsScreen(settings, save = {}) },
                    )
                    check(screens.map { it.first } == Screen.entries) { "every screen is rendered" }
                    for (dark in listOf(false, true)) {
                        for ((screen, content) in screens) {
                            val name = "${screen.route}-${lang.code}-${if (dark) "dark" else "light"}"
                            render(name, File(out, "$name.png"), strings, dark, screen, content)
                        }
                    }
                    // The whole of each screen, also what lies below a phone's fold (a lazy list
                    // composes only what is in view): a tall window, checked, not kept.
                    for ((screen, content) in screens) {
                        render("${screen.route}-${lang.code}-whole", null, strings, false, screen, content, heightDp = TALL_DP, density = 1f)
                    }
                }
                // Back to the first language, as the shopper had it.
                loyalty.setReminderSettings(loyalty.reminderSettings().copy(language = LANGUAGES.first().coreTag))
            }
        }
    } catch (e: Throwable) {
        fail("set-up", e.toString())
    } finally {
        dir.deleteRecursively()
    }
    println("Screens render: $passed passed, $failed failed")
    System.out.flush()
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}

private fun page(screen: Screen, content: @Composable () -> Unit) = screen to content

/** The renderer only draws: the screens' actions are not taken. */
private object NoListActions : ListActions {
    override fun add(name: String) = Unit
    override fun setChecked(item: ListItem, checked: Boolean) = Unit
    override fun addUsual(item: UsualItem) = Unit
}

private object NoReminderActions : ReminderActions {
    override fun dismiss(n: PlannedNotification) = Unit
    override fun snooze(n: PlannedNotification) = Unit
    override fun mute(n: PlannedNotification) = Unit
    override fun addToList(n: PlannedNotification) = Unit
}

private fun selfTest() {
    val seen = Seen()
    val scene = ImageComposeScene(200, 100, Density(1f), coroutineContext = Dispatchers.Unconfined) {
        CompositionLocalProvider(LocalTextChecks provides seen) {
            ScreenText("A label far too long for one line of a hundred pixels", Modifier.width(100.dp), maxLines = 1)
            ScreenText("Fits", Modifier.width(100.dp).offset(y = 50.dp), maxLines = 1)
        }
    }
    try {
        scene.render(0)
    } finally {
        scene.close()
    }
    if (seen.texts.values.toList() == listOf(true, false)) ok("overflow check: sees a cut-off label, passes one that fits")
    else fail("overflow check", "expected [true, false], saw ${seen.texts.values}")
    val missing = runCatching { XmlStrings("xx", Locale.ROOT, mapOf("card_title" to " ")).text(Str.card_title) }.exceptionOrNull()
    if (missing is MissingString) ok("string check: a blank text throws") else fail("string check", "a blank text did not throw")
}

/**
 * One screen in the app's frame, drawn until its animations settle, checked, and written as
 * [png] unless that is null.
 */
private fun render(
    name: String,
    png: File?,
    strings: XmlStrings,
    dark: Boolean,
    screen: Screen,
    content: @Composable () -> Unit,
    heightDp: Int = HEIGHT_DP,
    density: Float = DENSITY,
) {
    val seen = Seen()
    val scene = ImageComposeScene(
        (WIDTH_DP * density).toInt(),
        (heightDp * density).toInt(),
        Density(density),
        coroutineContext = Dispatchers.Unconfined,
    ) {
        CompositionLocalProvider(LocalScreenStrings provides strings, LocalTextChecks provides seen) {
            LoyaltyTheme(dark) {
                LoyaltyScaffold(screen, onSelect = {}) { content() }
            }
        }
    }
    try {
        var image = scene.render(0)
        // Tab indicator, switches and the like animate: let them finish (frame time, not sleep).
        for (ms in listOf(16L, 100L, 300L, 600L, 1_000L, 2_000L, 5_000L)) image = scene.render(ms * 1_000_000)
        if (png != null) {
            val data = image.encodeToData(EncodedImageFormat.PNG) ?: error("PNG encoding failed")
            png.writeBytes(data.bytes)
        }
        val overflowing = seen.texts.filterValues { it }.keys
        when {
            seen.texts.isEmpty() -> fail(name, "no text was laid out")
            overflowing.isNotEmpty() -> fail(name, "text overflows: " + overflowing.joinToString(" | ") { "«${it.take(60)}»" })
            else -> ok("$name (${seen.texts.size} texts)")
        }
    } catch (e: MissingString) {
        fail(name, e.message ?: "missing string")
    } catch (e: Exception) {
        fail(name, e.toString())
    } finally {
        scene.close()
    }
}
