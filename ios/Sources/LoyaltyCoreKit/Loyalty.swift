import Foundation
import LoyaltyCore

/// The Swift face of Loyalty Core: one object per shopper and data directory, opened once and
/// kept for the app's lifetime.
///
/// Contract:
/// - Threading: every method may be called from any thread or actor, the main actor included.
///   The core's synchronous calls read and write the on-device database (each write is flushed
///   before it returns), so this facade never runs them on the caller's thread or on Swift's
///   cooperative pool: they run on a private dispatch queue and the caller `await`s the result.
///   Network work (`enrol`, `syncNow`, ...) runs on the core's own tokio runtime.
/// - Callbacks: the platform services handed to `open` (`SecretStore`, `Clock`) are called by the
///   core while it may hold its store lock; they must return promptly and must never call back
///   into Loyalty Core. The same holds for `SyncStateListener`s, which this facade wraps in
///   `AsyncStream`s so app code never runs on the core's threads.
/// - Errors: every throwing method throws `LoyaltyError` (`InvalidInput`, `NotFound`, `Conflict`,
///   `Storage`, `DatabaseCorrupt`, `Closed`, `Network`, `Unauthorized`, `Internal`), each with a
///   `reason` free of personal data. `Storage` and `Network` mean nothing was lost: retry later.
///   `DatabaseCorrupt` at `open` means: call `quarantineDatabase(dataDir:)`, open again, sync.
///   `open` also throws Foundation's error when the data directory cannot be created.
/// - Cancellation: uniffi never cancels a Rust future by itself. `syncNow()` turns Swift task
///   cancellation into `SyncService.cancel()`, which stops the sync in flight promptly; what was
///   applied before stays applied.
public final class Loyalty: Sendable {
    /// The generated client, for calls this facade does not wrap. Its synchronous methods do
    /// disk I/O: do not call them on the main thread.
    public let client: LoyaltyClient
    private let io: DispatchQueue

    private init(client: LoyaltyClient, io: DispatchQueue) {
        self.client = client
        self.io = io
    }

    /// Opens (or creates) the shopper's data in `dataDirectory`, off the calling thread.
    ///
    /// - Parameters:
    ///   - dataDirectory: a directory of its own, e.g. Application Support/LoyaltyCore; created
    ///     when missing.
    ///   - rules: the programme rules (`defaultProgrammeRules()` or `programmeRulesFromJson`).
    ///   - clock: `nil` for the system clock.
    ///   - secrets: where the card's TOTP secret and the device token are kept.
    ///   - excludeFromBackup: keep the database out of device backups (default). The token and
    ///     the card secret are this-device-only Keychain items, so a database restored onto
    ///     another phone could not sync; that phone joins the household and refills from the server.
    public static func open(
        dataDirectory: URL,
        rules: ProgrammeRules = defaultProgrammeRules(),
        clock: Clock? = nil,
        secrets: SecretStore = KeychainSecretStore(),
        excludeFromBackup: Bool = true
    ) async throws -> Loyalty {
        let io = DispatchQueue(label: "com.loyaltycore.io", qos: .userInitiated, attributes: .concurrent)
        let client: LoyaltyClient = try await withCheckedThrowingContinuation { continuation in
            io.async {
                continuation.resume(with: Result<LoyaltyClient, Error> {
                    try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
                    if excludeFromBackup {
                        var directory = dataDirectory
                        var values = URLResourceValues()
                        values.isExcludedFromBackup = true
                        // Best effort: a volume that refuses the flag still gets a working core.
                        try? directory.setResourceValues(values)
                    }
                    return try LoyaltyClient.open(dataDir: dataDirectory.path, rules: rules, clock: clock, secrets: secrets)
                })
            }
        }
        return Loyalty(client: client, io: io)
    }

    /// The default data directory: Application Support/LoyaltyCore.
    public static func defaultDataDirectory() throws -> URL {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        return support.appendingPathComponent("LoyaltyCore", isDirectory: true)
    }

    /// Runs a synchronous core call on the I/O queue and returns its result to the caller.
    public func run<T>(_ work: @escaping @Sendable (LoyaltyClient) throws -> T) async throws -> T {
        let client = self.client
        return try await withCheckedThrowingContinuation { continuation in
            io.async {
                continuation.resume(with: Result { try work(client) })
            }
        }
    }

    // MARK: - Card

    /// The member card, or `nil` before enrolment.
    public func memberCard() async throws -> MemberCard? {
        try await run { try $0.card().memberCard() }
    }

    /// The rotating code with its QR module matrix, for drawing natively. Redraw at
    /// `code.validUntil`, or use `tillCards(ec:)`.
    public func tillCard(ec: EcLevel = .medium) async throws -> TillCard {
        try await run { try $0.card().tillCard(ec: ec, options: defaultRenderOptions()) }
    }

    /// The till card now and then a new one at each rotation (`code.validUntil`), until the
    /// consuming task is cancelled. Finishes with the error when the core cannot produce a code
    /// (no member card: `NotFound`; closed: `Closed`).
    public func tillCards(ec: EcLevel = .medium) -> AsyncThrowingStream<TillCard, Error> {
        AsyncThrowingStream { continuation in
            let producer = Task {
                do {
                    while !Task.isCancelled {
                        let card = try await self.tillCard(ec: ec)
                        continuation.yield(card)
                        // Wake a little after the boundary so the next call is in the next step.
                        let wait = max(card.code.validUntil.timeIntervalSinceNow, 0) + 0.05
                        try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                    }
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
    }

    // MARK: - Points

    public func balance() async throws -> Balance {
        try await run { try $0.points().balance() }
    }

    /// The balance now and after every change (a point earned, a redemption, a sync), as long as
    /// the stream is iterated; ending the iteration cancels the core's `BalanceListener`. Keeps
    /// only the newest balance when the consumer is slow. Throws `Closed` after `shutdown()`.
    public func balances() throws -> AsyncStream<Balance> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Balance.self, bufferingPolicy: .bufferingNewest(1))
        let handle = try client.points().addListener(listener: StreamingBalanceListener(continuation))
        continuation.onTermination = { _ in
            handle.cancel()
        }
        return stream
    }

    public func tier() async throws -> TierStatus {
        try await run { try $0.points().tier() }
    }

    /// The newest `limit` ledger entries, newest first.
    public func recentEntries(limit: UInt32 = 50) async throws -> [LedgerEntry] {
        try await run { try $0.points().recent(limit: limit) }
    }

    /// What `entries` say to the shopper in `language` (a BCP 47 tag), by sequence number: a
    /// purchase names its store in that language, extra points name the offer. Entries the core
    /// has nothing to say about are absent: show their description, or name them by kind.
    public func describeEntries(_ entries: [LedgerEntry], language: String) async throws -> [UInt64: String] {
        try await run { client in
            var described: [UInt64: String] = [:]
            for entry in entries {
                if let text = try client.points().describe(seq: entry.seq, language: language) {
                    described[entry.seq] = text
                }
            }
            return described
        }
    }

    /// Points expiring within `days`, soonest first.
    public func expiringPoints(withinDays days: UInt32 = 60) async throws -> [ExpiringPoints] {
        try await run { try $0.points().expiringWithin(days: days) }
    }

    // MARK: - Wallet

    /// Every voucher now and after every change to the wallet (a redemption, a sync), as long as
    /// the stream is iterated; ending the iteration cancels the core's `WalletListener`. Keeps
    /// only the newest list when the consumer is slow. Throws `Closed` after `shutdown()`.
    public func wallets() throws -> AsyncStream<[Voucher]> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: [Voucher].self, bufferingPolicy: .bufferingNewest(1))
        let handle = try client.wallet().addListener(listener: StreamingWalletListener(continuation))
        continuation.onTermination = { _ in
            handle.cancel()
        }
        return stream
    }

    /// Vouchers that can be shown at the till now, soonest expiry first.
    public func usableVouchers() async throws -> [Voucher] {
        try await run { try $0.wallet().usableNow() }
    }

    /// Every voucher in any state.
    public func allVouchers() async throws -> [Voucher] {
        try await run { try $0.wallet().all() }
    }

    /// Starts redeeming a voucher, offline if need be: show `voucher.code` at the till. The
    /// redemption is queued for the server and resolved by the next sync. `Conflict` when the
    /// voucher is not available (already redeemed, expired, revoked).
    public func redeem(voucherId: String) async throws -> Redemption {
        try await run { try $0.wallet().beginRedemption(id: voucherId) }
    }

    // MARK: - Receipts

    /// Every receipt, newest first.
    public func receipts() async throws -> [Receipt] {
        try await run { try Array($0.receipts().all().reversed()) }
    }

    /// Items whose warranty still runs, soonest end first.
    public func activeWarranties() async throws -> [WarrantyItem] {
        try await run { try $0.receipts().activeWarranties() }
    }

    /// The last moment the receipt's items can be returned.
    public func returnUntil(receiptId: String) async throws -> Date {
        try await run { try $0.receipts().returnUntil(id: receiptId) }
    }

    // MARK: - Reminders

    /// The plan of local notifications now; hand it to `NotificationScheduler.apply(_:)`.
    /// Before planning, the context is brought up to date with the device's UTC offset, so quiet
    /// hours follow travel and daylight saving time.
    public func reminderPlan(timeZone: TimeZone = .current) async throws -> ReminderPlan {
        try await run { client in
            let reminders = client.reminders()
            var context = try reminders.context()
            let offset = Int32(timeZone.secondsFromGMT() / 60)
            if context.localUtcOffsetMinutes != offset {
                context.localUtcOffsetMinutes = offset
                try reminders.setContext(context: context)
            }
            return try reminders.plan()
        }
    }

    public func reminderSettings() async throws -> ReminderSettings {
        try await run { try $0.reminders().settings() }
    }

    /// Saves the shopper's preferences (consent per category, quiet hours, language). Plan
    /// again afterwards.
    public func updateReminderSettings(_ settings: ReminderSettings) async throws {
        try await run { try $0.reminders().setSettings(settings: settings) }
    }

    /// "Not interested": never plan this notification again.
    public func dismissReminder(id: String) async throws {
        try await run { try $0.reminders().dismiss(id: id) }
    }

    /// "Remind me later".
    public func snoozeReminder(id: String, until: Date) async throws {
        try await run { try $0.reminders().snooze(id: id, until: until) }
    }

    /// "Stop these": nothing more from this rule (safety notices excepted).
    public func muteReminderRule(ruleId: String) async throws {
        try await run { try $0.reminders().muteRule(ruleId: ruleId) }
    }

    /// The app showed this notification: counts towards caps and duplicates.
    public func markDelivered(_ notification: PlannedNotification) async throws {
        try await run { try $0.reminders().markDelivered(notification: notification) }
    }

    /// Passes a push payload (JSON) through the reminder policy. `InvalidInput` when malformed.
    public func receivePush(json: String) async throws -> PushOutcome {
        try await run { try $0.reminders().receivePush(json: json) }
    }

    // MARK: - Shopping list

    /// The list screen: the items (unchecked first) and up to `usualLimit` usual items not on
    /// the list, each with its why in the shopper's language.
    public func shoppingList(usualLimit: UInt32 = 5) async throws -> ListScreen {
        try await run { try $0.list().show(usualLimit: usualLimit) }
    }

    /// The list screen now and after every change to the list or the receipts (a sync
    /// included), as long as the stream is iterated; ending the iteration cancels the core's
    /// `ListListener`. Keeps only the newest screen when the consumer is slow.
    public func shoppingLists(usualLimit: UInt32 = 5) throws -> AsyncStream<ListScreen> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ListScreen.self, bufferingPolicy: .bufferingNewest(1))
        let handle = try client.list().addListener(usualLimit: usualLimit, listener: StreamingListListener(continuation))
        continuation.onTermination = { _ in
            handle.cancel()
        }
        return stream
    }

    /// Adds a free-text item (`quantity`: 1–99, when the shopper said). A duplicate is
    /// `Conflict`, a blank name `InvalidInput`.
    @discardableResult
    public func addToList(name: String, quantity: UInt32? = nil) async throws -> ListItem {
        try await run { try $0.list().add(name: name, gtin: nil, quantity: quantity) }
    }

    /// Adds one of "your usual items" by its product.
    @discardableResult
    public func addUsualToList(gtin: String) async throws -> ListItem {
        try await run { try $0.list().addUsual(gtin: gtin, quantity: nil) }
    }

    /// The reminder's own "Add it to your shopping list?" (`PlannedNotification.listOffer`).
    @discardableResult
    public func addReminderToList(_ notification: PlannedNotification) async throws -> ListItem {
        try await run { try $0.list().addFromReminder(notification: notification, quantity: nil) }
    }

    /// Checks an item off (or back on).
    @discardableResult
    public func setListItemChecked(id: String, checked: Bool) async throws -> ListItem {
        try await run { client in
            let list = client.list()
            if checked {
                return try list.check(id: id)
            }
            return try list.uncheck(id: id)
        }
    }

    // MARK: - Offers

    /// The member's offers as the last sync brought them: usable now first, then the ones to
    /// activate, then activated ones that start later, then used ones.
    public func offers() async throws -> [OfferItem] {
        try await run { try $0.offers().list() }
    }

    /// The offers now and after each change (an activation, its answer, a sync), as long as the
    /// stream is iterated; ending the iteration cancels the core's `OffersListener`.
    public func offerLists() throws -> AsyncStream<[OfferItem]> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: [OfferItem].self, bufferingPolicy: .bufferingNewest(1))
        let handle = try client.offers().addListener(listener: StreamingOffersListener(continuation))
        continuation.onTermination = { _ in
            handle.cancel()
        }
        return stream
    }

    /// Activates an opt-in offer at once and offline (`pending` until the next sync tells the
    /// server). Unknown: `NotFound`; ended: `Conflict`; again: harmless.
    @discardableResult
    public func activateOffer(offerId: String) async throws -> OfferItem {
        try await run { try $0.offers().activate(offerId: offerId) }
    }

    // MARK: - Sync

    /// Enrols a new member at `baseURL` (https; http only on loopback).
    public func enrol(baseURL: URL, displayName: String?) async throws -> Enrolment {
        try await client.sync().enrol(baseUrl: baseURL.absoluteString, displayName: displayName)
    }

    /// Adds this device to an existing membership with another device's household code.
    public func joinHousehold(baseURL: URL, householdCode: String) async throws -> Enrolment {
        try await client.sync().joinHousehold(baseUrl: baseURL.absoluteString, householdCode: householdCode)
    }

    /// Signs this device out (the server forgets its token).
    public func signOut() async throws {
        try await client.sync().signOut()
    }

    /// The code that adds another device to this membership (`nil` on a joined device). Show it
    /// only on request.
    public func householdCode() async throws -> String? {
        try await run { try $0.sync().householdCode() }
    }

    /// This device's APNs token (from `didRegisterForRemoteNotificationsWithDeviceToken`), kept
    /// as hex; the next sync registers it with the retailer's server.
    public func setPushToken(_ deviceToken: Data) async throws {
        let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
        try await run { try $0.sync().setPushToken(platform: .ios, token: hex) }
    }

    /// Sends offline work and pulls the ledger, vouchers and receipts. Cancelling the calling
    /// task calls `SyncService.cancel()`: the sync stops promptly and returns a report with
    /// `cancelled == true` (what was applied stays applied). `cancel()` stops any sync of this
    /// client in flight, not only this call's.
    public func syncNow() async throws -> SyncReport {
        let sync = client.sync()
        return try await withTaskCancellationHandler {
            try await sync.syncNow()
        } onCancel: {
            sync.cancel()
        }
    }

    /// The sync state now (reads the outbox counts from the database, hence off the caller's thread).
    public func syncState() async throws -> SyncState {
        try await run { $0.sync().state() }
    }

    /// The sync state now and then each change, as long as the stream is iterated. Ending the
    /// iteration (or cancelling its task) cancels the core's listener. The core calls the
    /// listener on its sync thread with no lock held; the stream hands states over to the
    /// consuming task, so app code never runs on that thread. Keeps the newest 16 states when
    /// the consumer is slow. Throws `Closed` after `shutdown()`.
    public func syncStates() throws -> AsyncStream<SyncState> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: SyncState.self, bufferingPolicy: .bufferingNewest(16))
        let handle = try client.sync().addListener(listener: StreamingSyncStateListener(continuation))
        continuation.onTermination = { _ in
            handle.cancel()
        }
        return stream
    }

    // MARK: - Life cycle

    /// Writes everything to disk now: call when the app goes to the background.
    public func flush() async throws {
        try await run { try $0.flush() }
    }

    /// Flushes and closes the database; every later call fails with `Closed`.
    public func shutdown() async throws {
        try await run { try $0.shutdown() }
    }
}

/// Forwards the core's sync-state callbacks into an `AsyncStream`. `yield` never blocks and
/// takes no lock the core could wait on, as `SyncStateListener`'s contract asks.
private final class StreamingSyncStateListener: SyncStateListener {
    private let continuation: AsyncStream<SyncState>.Continuation

    init(_ continuation: AsyncStream<SyncState>.Continuation) {
        self.continuation = continuation
    }

    func onState(state: SyncState) {
        continuation.yield(state)
    }
}

/// Forwards the core's balance callbacks into an `AsyncStream` (never blocks, takes no lock).
private final class StreamingBalanceListener: BalanceListener {
    private let continuation: AsyncStream<Balance>.Continuation

    init(_ continuation: AsyncStream<Balance>.Continuation) {
        self.continuation = continuation
    }

    func onBalance(balance: Balance) {
        continuation.yield(balance)
    }
}

/// Forwards the core's wallet callbacks into an `AsyncStream` (never blocks, takes no lock).
private final class StreamingWalletListener: WalletListener {
    private let continuation: AsyncStream<[Voucher]>.Continuation

    init(_ continuation: AsyncStream<[Voucher]>.Continuation) {
        self.continuation = continuation
    }

    func onWallet(vouchers: [Voucher]) {
        continuation.yield(vouchers)
    }
}

/// Forwards the core's shopping-list callbacks into an `AsyncStream` (never blocks, takes no lock).
private final class StreamingListListener: ListListener {
    private let continuation: AsyncStream<ListScreen>.Continuation

    init(_ continuation: AsyncStream<ListScreen>.Continuation) {
        self.continuation = continuation
    }

    func onList(list screen: ListScreen) {
        continuation.yield(screen)
    }
}

/// Forwards the core's offers callbacks into an `AsyncStream` (never blocks, takes no lock).
private final class StreamingOffersListener: OffersListener {
    private let continuation: AsyncStream<[OfferItem]>.Continuation

    init(_ continuation: AsyncStream<[OfferItem]>.Continuation) {
        self.continuation = continuation
    }

    func onOffers(offers: [OfferItem]) {
        continuation.yield(offers)
    }
}

extension LoyaltyError {
    /// The fixed, personal-data-free sentence the core gives with every error.
    public var reason: String {
        switch self {
        case let .InvalidInput(reason), let .NotFound(reason), let .Conflict(reason),
             let .Storage(reason), let .DatabaseCorrupt(reason), let .Closed(reason),
             let .Network(reason), let .Unauthorized(reason), let .Internal(reason):
            return reason
        }
    }

    /// Worth retrying later as is: the device storage or the network failed and nothing was lost.
    public var isTransient: Bool {
        switch self {
        case .Storage, .Network: return true
        default: return false
        }
    }
}
