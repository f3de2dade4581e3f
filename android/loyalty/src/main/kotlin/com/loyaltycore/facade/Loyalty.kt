// The Kotlin facade over the generated bindings: suspend functions on a background dispatcher,
// Flows for the core's listeners and for what a screen shows, and one object that owns (and
// closes) every binding object it hands work to. Pure JVM: no Android class is used here, so it
// is compiled and tested on the host JVM against the real library (android/check.sh).

package com.loyaltycore.facade

import com.loyaltycore.Balance
import com.loyaltycore.BalanceListener
import com.loyaltycore.Card
import com.loyaltycore.Clock
import com.loyaltycore.domain.EcLevel
import com.loyaltycore.Enrolment
import com.loyaltycore.domain.LedgerEntry
import com.loyaltycore.ListItem
import com.loyaltycore.ListListener
import com.loyaltycore.ListScreen
import com.loyaltycore.ListenerHandle
import com.loyaltycore.LoyaltyClient
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.domain.MemberCard
import com.loyaltycore.domain.OfferItem
import com.loyaltycore.Offers
import com.loyaltycore.OffersListener
import com.loyaltycore.PlannedNotification
import com.loyaltycore.Points
import com.loyaltycore.domain.ProgrammeRules
import com.loyaltycore.PushOutcome
import com.loyaltycore.PushPlatform
import com.loyaltycore.domain.Receipt
import com.loyaltycore.Receipts
import com.loyaltycore.ReceiptsListener
import com.loyaltycore.Redemption
import com.loyaltycore.ReminderContext
import com.loyaltycore.ReminderPlan
import com.loyaltycore.domain.ReminderSettings
import com.loyaltycore.Reminders
import com.loyaltycore.domain.RenderOptions
import com.loyaltycore.SecretStore
import com.loyaltycore.ShoppingList
import com.loyaltycore.SyncReport
import com.loyaltycore.SyncService
import com.loyaltycore.SyncState
import com.loyaltycore.SyncStatus
import com.loyaltycore.domain.TierStatus
import com.loyaltycore.TillCard
import com.loyaltycore.domain.Voucher
import com.loyaltycore.Wallet
import com.loyaltycore.WalletListener
import com.loyaltycore.domain.WarrantyItem
import com.loyaltycore.defaultProgrammeRules
import com.loyaltycore.defaultRenderOptions
import java.io.File
import java.time.Duration
import java.time.Instant
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.merge
import kotlinx.coroutines.flow.onStart
import kotlinx.coroutines.flow.transformWhile
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * One shopper's loyalty core, for the app's lifetime: open it once (e.g. in `Application`),
 * share it, and [close] it when the process no longer needs it.
 *
 * Threading: every function is `suspend` and safe to call from the main thread. Blocking calls
 * into the core (disk reads and flushed writes) run on [io]; sync calls are the core's own async
 * functions and do not block a thread. Flows are cold and may be collected on any dispatcher; a
 * collector that is cancelled unregisters its listener.
 *
 * Errors are the core's [LoyaltyException]s. After [close], every call fails with
 * [LoyaltyException.Closed] and every Flow completes.
 */
class Loyalty private constructor(
    private val client: LoyaltyClient,
    private val clock: Clock?,
    private val io: CoroutineDispatcher,
) : AutoCloseable {

    // The sub-APIs are binding objects too: created once, closed with the facade.
    private val card: Card = client.card()
    private val points: Points = client.points()
    private val wallet: Wallet = client.wallet()
    private val receipts: Receipts = client.receipts()
    private val reminders: Reminders = client.reminders()
    private val sync: SyncService = client.sync()
    private val list: ShoppingList = client.list()
    private val offers: Offers = client.offers()

    private val closed = AtomicBoolean(false)
    private val closedState = MutableStateFlow(false)

    /** Ticks after each local write made through the facade and after each completed sync. */
    private val localChanges = MutableSharedFlow<Unit>(extraBufferCapacity = 1)

    companion object {
        /**
         * Opens (or creates) the shopper's data in [dataDir], on [io].
         *
         * [secrets]: the platform keystore for the card secret and the sync token (on Android:
         * `KeystoreSecretStore`); `null` means no card can be enrolled and no sync can sign in.
         * [clock]: `null` for the system clock.
         */
        suspend fun open(
            dataDir: File,
            secrets: SecretStore?,
            rules: ProgrammeRules = defaultProgrammeRules(),
            clock: Clock? = null,
            io: CoroutineDispatcher = Dispatchers.IO,
        ): Loyalty = withContext(io) {
            Loyalty(LoyaltyClient.open(dataDir.path, rules, clock, secrets), clock, io)
        }
    }

    private fun now(): Instant = clock?.now() ?: Instant.now()

    private fun checkOpen() {
        if (closed.get()) throw LoyaltyException.Closed("the client was closed")
    }

    private suspend fun <T> blocking(block: () -> T): T {
        checkOpen()
        return withContext(io) {
            checkOpen()
            closedIfDestroyed(block)
        }
    }

    /**
     * Runs a call into a core object. A call that passed [checkOpen] but lost the race with
     * [close] meets an object uniffi has already destroyed; that is a [LoyaltyException.Closed]
     * to the caller, like any call after the close.
     */
    private inline fun <T> closedIfDestroyed(call: () -> T): T =
        try {
            call()
        } catch (e: IllegalStateException) {
            if (closed.get()) throw LoyaltyException.Closed("the client was closed")
            throw e
        }

    private suspend fun <T> writing(block: () -> T): T = blocking(block).also { localChanges.tryEmit(Unit) }

    // ---- Sync ------------------------------------------------------------------------------

    /**
     * The sync state: the current state first, then every change, as the core reports it through
     * its `SyncStateListener`. Registering happens when collection starts; cancelling the
     * collector cancels and closes the `ListenerHandle`. Nothing is dropped: the listener only
     * enqueues (it runs on the core's sync thread and must return promptly).
     */
    val syncStates: Flow<SyncState> = listened(Channel.UNLIMITED) { emit ->
        sync.addListener(object : com.loyaltycore.SyncStateListener {
            override fun onState(state: SyncState) = emit(state)
        })
    }

    /** The state now, without waiting for a change. */
    suspend fun syncState(): SyncState = blocking { sync.state() }

    /** Enrols a new member at [baseUrl] (https, or http on loopback); stores the card secret. */
    suspend fun enrol(baseUrl: String, displayName: String?): Enrolment {
        checkOpen()
        return sync.enrol(baseUrl, displayName).also { localChanges.tryEmit(Unit) }
    }

    /** Adds this device to the membership of another device of the household. */
    suspend fun joinHousehold(baseUrl: String, householdCode: String): Enrolment {
        checkOpen()
        return sync.joinHousehold(baseUrl, householdCode).also { localChanges.tryEmit(Unit) }
    }

    /** Sends offline work and pulls the ledger, vouchers and receipts. [cancelSync] stops it. */
    suspend fun syncNow(): SyncReport {
        checkOpen()
        return sync.syncNow().also { localChanges.tryEmit(Unit) }
    }

    /**
     * Stops a sync in flight promptly (the core never cancels a future by itself: cancelling the
     * coroutine that awaits [syncNow] does not stop the network work, this does).
     */
    fun cancelSync() {
        if (!closed.get()) sync.cancel()
    }

    suspend fun signOut() {
        checkOpen()
        sync.signOut()
        localChanges.tryEmit(Unit)
    }

    suspend fun isSignedIn(): Boolean = blocking { sync.isSignedIn() }

    suspend fun householdCode(): String? = blocking { sync.householdCode() }

    /**
     * This device's FCM token (from `FirebaseMessagingService.onNewToken` or
     * `FirebaseMessaging.getToken()`); the next sync registers it with the retailer's server.
     */
    suspend fun setPushToken(token: String) = blocking { sync.setPushToken(PushPlatform.ANDROID, token) }

    /**
     * Whom HTTPS trusts: exactly these certificates (DER) when any is given, the core's default
     * (the bundled Mozilla roots on Android) when empty. Returns how many are usable anchors;
     * [LoyaltyException.InvalidInput] when certificates were given and none is. The Android
     * layer's `trustSystemCertificates` hands the system's store.
     */
    suspend fun setTrustAnchors(certificates: List<ByteArray>): Int = blocking { sync.setTrustAnchors(certificates).toInt() }

    // ---- Card --------------------------------------------------------------------------------

    suspend fun memberCard(): MemberCard? = blocking { card.memberCard() }

    /** The rotating code now with its QR module matrix (draw it natively) and SVG. */
    suspend fun tillCard(ec: EcLevel = EcLevel.MEDIUM, options: RenderOptions = defaultRenderOptions()): TillCard =
        blocking { card.tillCard(ec, options) }

    /**
     * The till card, re-issued at each rotation: emits the current code, waits until its
     * `validUntil` (by the core's clock), emits the next, and so on while collected. A screen
     * collects it while visible; the code never outlives its period on screen.
     */
    fun tillCards(ec: EcLevel = EcLevel.MEDIUM, options: RenderOptions = defaultRenderOptions()): Flow<TillCard> =
        flow {
            while (!closed.get()) {
                val current = try {
                    tillCard(ec, options)
                } catch (e: LoyaltyException.Closed) {
                    if (closed.get()) break // closed between the check and the read: complete
                    throw e
                }
                emit(current)
                val wait = Duration.between(now(), current.code.validUntil).toMillis()
                delay(wait.coerceAtLeast(MIN_REDRAW_MILLIS))
            }
        }

    // ---- Points -------------------------------------------------------------------------------

    suspend fun balance(): Balance = blocking { points.balance() }

    suspend fun tier(): TierStatus = blocking { points.tier() }

    /** The newest [limit] ledger entries, newest first. */
    suspend fun recentEntries(limit: Int = 50): List<LedgerEntry> = blocking { points.recent(limit.toUInt()) }

    /**
     * What [entries] say to the shopper in [language] (a BCP 47 tag), by sequence number: a
     * purchase names its store in that language, extra points name the offer. Entries the core
     * has nothing to say about are absent: show their description, or name them by kind.
     */
    suspend fun describeEntries(entries: List<LedgerEntry>, language: String): Map<ULong, String> = blocking {
        entries.mapNotNull { e -> points.describe(e.seq, language)?.let { e.seq to it } }.toMap()
    }

    /** Points earned offline for a receipt, pending until the next sync confirms them. */
    suspend fun earnOffline(points: Long, receiptId: String, description: String?): LedgerEntry =
        writing { this.points.earnOffline(points, receiptId, description) }

    /**
     * The balance now and after every change, wherever it comes from (this facade, a sync, a
     * background worker on the same client), through the core's `BalanceListener`. Conflated: a
     * slow screen gets the latest. Completes when the facade is closed.
     */
    val balances: Flow<Balance> get() = listened(Channel.CONFLATED) { emit ->
        points.addListener(object : BalanceListener {
            override fun onBalance(balance: Balance) = emit(balance)
        })
    }

    /** The tier now and after every change. */
    val tiers: Flow<TierStatus> get() = whileOpen { points.tier() }

    // ---- Wallet ------------------------------------------------------------------------------

    suspend fun vouchers(): List<Voucher> = blocking { wallet.all() }

    suspend fun usableVouchers(): List<Voucher> = blocking { wallet.usableNow() }

    suspend fun voucher(id: String): Voucher = blocking { wallet.get(id) }

    /** The wallet now and after every change (a redemption, a sync), through `WalletListener`. */
    val wallets: Flow<List<Voucher>> get() = listened(Channel.CONFLATED) { emit ->
        wallet.addListener(object : WalletListener {
            override fun onWallet(vouchers: List<Voucher>) = emit(vouchers)
        })
    }

    /**
     * Redeems a voucher at the till, offline: the voucher moves to `Redeeming` (show its `code`),
     * the redemption is queued, and the next [syncNow] resolves it with the server.
     */
    suspend fun redeem(voucherId: String): Redemption = writing { wallet.beginRedemption(voucherId) }

    // ---- Receipts ------------------------------------------------------------------------------

    suspend fun receipts(): List<Receipt> = blocking { receipts.all() }

    suspend fun receipt(id: String): Receipt = blocking { receipts.get(id) }

    suspend fun returnUntil(receiptId: String): Instant = blocking { receipts.returnUntil(receiptId) }

    suspend fun activeWarranties(): List<WarrantyItem> = blocking { receipts.activeWarranties() }

    /** Receipts newest first, now and after every change (through `ReceiptsListener`). */
    val receiptLists: Flow<List<Receipt>> get() = listened(Channel.CONFLATED) { emit ->
        receipts.addListener(object : ReceiptsListener {
            override fun onReceipts(receipts: List<Receipt>) = emit(receipts.sortedByDescending { it.purchasedAt })
        })
    }

    // ---- Reminders ---------------------------------------------------------------------------

    suspend fun reminderSettings(): ReminderSettings = blocking { reminders.settings() }

    suspend fun setReminderSettings(settings: ReminderSettings) = writing { reminders.setSettings(settings) }

    /** Updates the context the rules read; call when the time zone or the forecast changes. */
    suspend fun setReminderContext(context: ReminderContext) = writing { reminders.setContext(context) }

    suspend fun reminderContext(): ReminderContext = blocking { reminders.context() }

    suspend fun setReminderRulesJson(json: String) = writing { reminders.setRulesJson(json) }

    suspend fun setReminderCatalogueJson(json: String) = writing { reminders.setCatalogueJson(json) }

    /** The plan of local notifications now: replace whatever was scheduled with it. */
    suspend fun reminderPlan(): ReminderPlan = blocking { reminders.plan() }

    /** The plan now and after every change (settings, receipts from a sync, feedback). */
    val reminderPlans: Flow<ReminderPlan> get() = whileOpen { reminders.plan() }

    /** A push payload through the same policy as the plan. */
    suspend fun receivePush(json: String): PushOutcome = writing { reminders.receivePush(json) }

    /** The app showed this notification. */
    suspend fun markDelivered(notification: PlannedNotification) = writing { reminders.markDelivered(notification) }

    /** "Not interested". */
    suspend fun dismissReminder(id: String) = writing { reminders.dismiss(id) }

    /** "Remind me later". */
    suspend fun snoozeReminder(id: String, until: Instant) = writing { reminders.snooze(id, until) }

    /** "Stop these" (safety notices excepted). */
    suspend fun muteReminderRule(ruleId: String) = writing { reminders.muteRule(ruleId) }

    // ---- Shopping list -----------------------------------------------------------------------

    /** The list screen: the items (unchecked first) and up to [usualLimit] usual items with their why. */
    suspend fun shoppingList(usualLimit: Int = 5): ListScreen = blocking { list.show(usualLimit.toUInt()) }

    /** The list screen now and after every change to the list or the receipts (a sync included). */
    fun shoppingLists(usualLimit: Int = 5): Flow<ListScreen> = listened(Channel.CONFLATED) { emit ->
        list.addListener(usualLimit.toUInt(), object : ListListener {
            override fun onList(list: ListScreen) = emit(list)
        })
    }

    /** Adds a free-text item ([quantity]: how many, when the shopper said). */
    suspend fun addToList(name: String, quantity: Int? = null): ListItem =
        writing { list.add(name, null, quantity?.toUInt()) }

    /** Adds one of "your usual items" by its product. */
    suspend fun addUsualToList(gtin: String): ListItem = writing { list.addUsual(gtin, null) }

    /** The reminder's own "Add it to your shopping list?". */
    suspend fun addReminderToList(notification: PlannedNotification): ListItem =
        writing { list.addFromReminder(notification, null) }

    /** Checks an item off (or back on). */
    suspend fun setListItemChecked(id: String, checked: Boolean): ListItem =
        writing { if (checked) list.check(id) else list.uncheck(id) }

    // ---- Offers ------------------------------------------------------------------------------

    /** The member's offers as the last sync brought them. */
    suspend fun offers(): List<OfferItem> = blocking { offers.list() }

    /** The offers now and after each change (an activation, its answer, a sync). */
    val offerLists: Flow<List<OfferItem>> get() = listened(Channel.CONFLATED) { emit ->
        offers.addListener(object : OffersListener {
            override fun onOffers(offers: List<OfferItem>) = emit(offers)
        })
    }

    /** Activates an opt-in offer at once and offline; the next sync tells the server. */
    suspend fun activateOffer(offerId: String): OfferItem = writing { offers.activate(offerId) }

    // ---- Lifecycle ---------------------------------------------------------------------------

    /** Writes everything to disk: call when the app goes to the background. */
    suspend fun flush() = blocking { client.flush() }

    /**
     * Cancels a sync in flight, ends every Flow (their listeners are cancelled and closed),
     * flushes and shuts the core down, then frees every binding object. Idempotent.
     */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        closedState.value = true
        sync.cancel()
        try {
            client.shutdown()
        } finally {
            sync.close()
            offers.close()
            list.close()
            reminders.close()
            receipts.close()
            wallet.close()
            points.close()
            card.close()
            client.close()
        }
    }

    /**
     * A Flow over a core listener: registered when collection starts, its handle cancelled and
     * closed when the collector stops; completes when the facade is closed. The listener only
     * offers to a channel of [capacity] (it runs on a core thread and must return promptly).
     */
    private fun <T> listened(capacity: Int, register: (emit: (T) -> Unit) -> ListenerHandle): Flow<T> =
        callbackFlow {
            checkOpen()
            val handle = closedIfDestroyed { register { value -> trySend(value) } }
            val closer = launch {
                closedState.first { it }
                channel.close()
            }
            awaitClose {
                closer.cancel()
                handle.cancel()
                handle.close()
            }
        }.buffer(capacity)

    /**
     * A derived Flow: [read] now and after every change, distinct values only. It completes when
     * the facade is closed, also when the close lands between a tick and its read (that read is
     * dropped, not thrown at the collector).
     */
    private fun <T> whileOpen(read: () -> T): Flow<T> =
        changes()
            .transformWhile {
                val value = try {
                    blocking(read)
                } catch (e: LoyaltyException.Closed) {
                    if (closed.get()) return@transformWhile false
                    throw e
                }
                emit(value)
                true
            }
            .distinctUntilChanged()

    /**
     * A tick now, then one per local write through the facade and per sync that went back to
     * Idle; completes when the facade is closed. Conflated: a slow screen reads the latest once.
     */
    private fun changes(): Flow<Unit> =
        merge(
            localChanges.map { true },
            syncStates
                // Registering may come after a close that the collector's first tick did not see.
                .catch { e -> if (!(e is LoyaltyException.Closed && closed.get())) throw e }
                .filter { it.status == SyncStatus.Idle }
                .map { true },
            closedState.filter { it }.map { false },
        )
            .onStart { emit(!closed.get()) }
            .transformWhile { open ->
                if (open) emit(Unit)
                open
            }
            .conflate()
}

/** Never redraw more often than this, whatever the clock says. */
private const val MIN_REDRAW_MILLIS = 250L
