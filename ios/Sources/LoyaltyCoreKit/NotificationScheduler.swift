import Foundation
import LoyaltyCore
import UserNotifications

/// Schedules the core's reminder plan as local notifications with `UNUserNotificationCenter`, and
/// turns the shopper's answers to them back into core calls.
///
/// Contract:
/// - Threading: an actor; call it from anywhere. `UNUserNotificationCenter` is thread-safe and its
///   async methods are awaited here without any lock held. This type is not a core callback: the
///   core never calls it, so it may call the core (through `Loyalty`, off the main thread).
/// - Must not call back into the core while holding a lock: it holds none; feedback from a
///   notification (dismiss, snooze, mute, delivered) is forwarded with `await` after the system
///   callback's data has been copied out.
/// - What it owns: pending requests whose identifier starts with `identifierPrefix`. `apply(_:)`
///   replaces exactly those with the plan (requests of other parts of the app are left alone);
///   a request with an unchanged id is re-added, which replaces it in place.
/// - Limits: iOS keeps at most 64 pending local notifications per app; the plan is sorted by
///   time, so the soonest `maximumPending` are scheduled and the rest wait for the next plan
///   (plan again at `ReminderPlan.recomputeAt`, after a sync, and when settings change).
/// - Errors: `apply` throws what `UNUserNotificationCenter.add` throws (not authorised,
///   invalid trigger); requests added before the failure stay scheduled. Feedback methods throw
///   `LoyaltyError`.
public actor NotificationScheduler {
    public static let identifierPrefix = "loyalty."
    /// Action identifiers of the notification categories.
    public static let notInterestedAction = "loyalty.action.not-interested"
    public static let remindLaterAction = "loyalty.action.remind-later"
    public static let stopTheseAction = "loyalty.action.stop-these"

    private let center: UNUserNotificationCenter
    private let maximumPending: Int
    private let snoozeInterval: TimeInterval
    private let deliveredStore: DeliveredLog

    public init(
        center: UNUserNotificationCenter = .current(),
        maximumPending: Int = 64,
        snoozeInterval: TimeInterval = 24 * 60 * 60,
        defaults: UserDefaults = .standard
    ) {
        self.center = center
        self.maximumPending = min(max(maximumPending, 1), 64)
        self.snoozeInterval = snoozeInterval
        self.deliveredStore = DeliveredLog(defaults: defaults)
    }

    /// The `UNNotificationCategory` identifier of a core category.
    public static func categoryIdentifier(_ category: NotificationCategory) -> String {
        switch category {
        case .safety: return "loyalty.safety"
        case .service: return "loyalty.service"
        case .marketing: return "loyalty.marketing"
        }
    }

    /// Registers one category per `NotificationCategory` with its feedback actions (safety
    /// notices cannot be muted: the core keeps them regardless). Call once at launch, and again
    /// when the app's language changes. The titles default to this package's own translations
    /// (Localizable.strings in en, nl, nl-BE, fr, chosen by iOS from the shopper's languages);
    /// pass your own to override them.
    public func registerCategories(
        notInterested: String? = nil,
        remindLater: String? = nil,
        stopThese: String? = nil
    ) {
        let dismiss = UNNotificationAction(identifier: Self.notInterestedAction,
                                           title: notInterested ?? KitText.notInterested, options: [])
        let snooze = UNNotificationAction(identifier: Self.remindLaterAction,
                                          title: remindLater ?? KitText.remindLater, options: [])
        let mute = UNNotificationAction(identifier: Self.stopTheseAction,
                                        title: stopThese ?? KitText.noMoreOfThese, options: [.destructive])
        // The placeholder iOS shows instead of the text when previews are hidden: the
        // category's name, as Android names its channels.
        let categories: Set<UNNotificationCategory> = [
            UNNotificationCategory(identifier: Self.categoryIdentifier(.safety), actions: [],
                                   intentIdentifiers: [], hiddenPreviewsBodyPlaceholder: KitText.categoryName(.safety),
                                   options: [.customDismissAction]),
            UNNotificationCategory(identifier: Self.categoryIdentifier(.service), actions: [dismiss, snooze],
                                   intentIdentifiers: [], hiddenPreviewsBodyPlaceholder: KitText.categoryName(.service),
                                   options: [.customDismissAction]),
            UNNotificationCategory(identifier: Self.categoryIdentifier(.marketing), actions: [dismiss, snooze, mute],
                                   intentIdentifiers: [], hiddenPreviewsBodyPlaceholder: KitText.categoryName(.marketing),
                                   options: [.customDismissAction]),
        ]
        center.setNotificationCategories(categories)
    }

    /// Asks for permission to alert, badge and sound. `false` when the shopper declined.
    public func requestAuthorization() async throws -> Bool {
        try await center.requestAuthorization(options: [.alert, .sound, .badge])
    }

    /// Replaces this app's pending reminders with `plan`. Returns how many were scheduled.
    @discardableResult
    public func apply(_ plan: ReminderPlan, now: Date = Date()) async throws -> Int {
        let wanted = plan.items.filter { $0.at > now }.prefix(maximumPending)
        let wantedIds = Set(wanted.map { Self.identifierPrefix + $0.id })
        let pending = await center.pendingNotificationRequests()
        let stale = pending.map(\.identifier).filter { $0.hasPrefix(Self.identifierPrefix) && !wantedIds.contains($0) }
        if !stale.isEmpty {
            center.removePendingNotificationRequests(withIdentifiers: stale)
        }
        for item in wanted {
            try await center.add(Self.request(for: item, now: now))
        }
        return wanted.count
    }

    /// Shows a notification now (a push the core decided to show, see `PushHandler`) and reports
    /// it as delivered, once.
    public func showNow(_ notification: PlannedNotification, loyalty: Loyalty) async throws {
        var now = notification
        now.at = Date()
        try await center.add(Self.request(for: now, now: now.at))
        try await report(identifier: Self.identifierPrefix + now.id, planned: now, to: loyalty)
    }

    /// Removes every pending and delivered reminder of this app (sign-out, consent withdrawn).
    public func removeAll() async {
        let pending = await center.pendingNotificationRequests()
            .map(\.identifier).filter { $0.hasPrefix(Self.identifierPrefix) }
        center.removePendingNotificationRequests(withIdentifiers: pending)
        let delivered = await center.deliveredNotifications()
            .map(\.request.identifier).filter { $0.hasPrefix(Self.identifierPrefix) }
        center.removeDeliveredNotifications(withIdentifiers: delivered)
    }

    /// Tells the core about reminders iOS delivered while the app was not running (they count
    /// towards caps and duplicates). Each delivery is reported once. Call at launch and when the
    /// app becomes active.
    public func reconcileDelivered(with loyalty: Loyalty) async throws {
        let delivered = await center.deliveredNotifications()
        for notification in delivered {
            try await report(notification, to: loyalty)
        }
    }

    /// A reminder is about to be shown while the app is in the foreground
    /// (`userNotificationCenter(_:willPresent:)`): report it as delivered.
    public func willPresent(_ notification: UNNotification, loyalty: Loyalty) async throws {
        try await report(notification, to: loyalty)
    }

    /// What the shopper did with a reminder (`userNotificationCenter(_:didReceive:)`). Returns
    /// the deep link to open for the default action, `nil` otherwise or when not ours.
    public func handle(_ response: UNNotificationResponse, loyalty: Loyalty) async throws -> URL? {
        let notification = response.notification
        guard let planned = Self.planned(from: notification.request) else { return nil }
        try await report(notification, to: loyalty)
        switch response.actionIdentifier {
        case Self.notInterestedAction:
            try await loyalty.dismissReminder(id: planned.id)
        case Self.remindLaterAction:
            try await loyalty.snoozeReminder(id: planned.id, until: Date().addingTimeInterval(snoozeInterval))
        case Self.stopTheseAction:
            try await loyalty.muteReminderRule(ruleId: planned.ruleId)
        case UNNotificationDefaultActionIdentifier:
            return URL(string: planned.deepLink)
        default:
            break
        }
        return nil
    }

    private func report(_ notification: UNNotification, to loyalty: Loyalty) async throws {
        guard let planned = Self.planned(from: notification.request) else { return }
        try await report(identifier: notification.request.identifier, planned: planned, to: loyalty)
    }

    /// Reports a delivery once per identifier: the core's ids are stable per occurrence (a
    /// reminder planned again for a later period gets a new id).
    private func report(identifier: String, planned: PlannedNotification, to loyalty: Loyalty) async throws {
        guard deliveredStore.insert(identifier) else { return }
        do {
            try await loyalty.markDelivered(planned)
        } catch {
            deliveredStore.remove(identifier)
            throw error
        }
    }

    // MARK: - Mapping

    static func request(for item: PlannedNotification, now: Date) -> UNNotificationRequest {
        let content = UNMutableNotificationContent()
        content.title = item.title
        content.body = item.body
        content.sound = .default
        content.categoryIdentifier = categoryIdentifier(item.category)
        // One thread per kind of reminder ("recall", "replenishment", ...) inside a category.
        content.threadIdentifier = categoryIdentifier(item.category) + "." + kindKey(item.kind)
        content.userInfo = userInfo(for: item)
        switch item.category {
        case .safety:
            // Shown through Focus only with the Time Sensitive Notifications entitlement.
            content.interruptionLevel = .timeSensitive
            content.relevanceScore = 1.0
        case .service:
            content.interruptionLevel = .active
            content.relevanceScore = 0.5
        case .marketing:
            content.interruptionLevel = .passive
            content.relevanceScore = 0.2
        }
        // An absolute instant, as the core plans (quiet hours were applied with the context's
        // UTC offset); at least one second ahead, as the trigger requires.
        let trigger = UNTimeIntervalNotificationTrigger(timeInterval: max(item.at.timeIntervalSince(now), 1), repeats: false)
        return UNNotificationRequest(identifier: identifierPrefix + item.id, content: content, trigger: trigger)
    }

    static func userInfo(for item: PlannedNotification) -> [String: Any] {
        [
            "loyalty.id": item.id,
            "loyalty.at": item.at.timeIntervalSince1970,
            "loyalty.deepLink": item.deepLink,
            "loyalty.category": categoryIdentifier(item.category),
            "loyalty.kind": kindKey(item.kind),
            "loyalty.ruleId": item.ruleId,
            "loyalty.reason": item.reason,
        ]
    }

    /// The planned notification a request of ours was made from; `nil` for other requests.
    public static func planned(from request: UNNotificationRequest) -> PlannedNotification? {
        guard request.identifier.hasPrefix(identifierPrefix) else { return nil }
        let info = request.content.userInfo
        guard let id = info["loyalty.id"] as? String,
              let at = info["loyalty.at"] as? Double,
              let deepLink = info["loyalty.deepLink"] as? String,
              let categoryName = info["loyalty.category"] as? String,
              let category = allCategories.first(where: { categoryIdentifier($0) == categoryName }),
              let kindName = info["loyalty.kind"] as? String,
              let kind = allKinds.first(where: { kindKey($0) == kindName }),
              let ruleId = info["loyalty.ruleId"] as? String,
              let reason = info["loyalty.reason"] as? String
        else { return nil }
        return PlannedNotification(
            id: id, at: Date(timeIntervalSince1970: at), title: request.content.title,
            body: request.content.body, deepLink: deepLink, category: category, kind: kind,
            ruleId: ruleId, reason: reason)
    }

    static let allCategories: [NotificationCategory] = [.safety, .service, .marketing]

    static let allKinds: [ReminderKind] = [
        .replenishment, .seasonal, .recall, .recipe, .postPurchase, .voucherExpiry, .tierProgress,
        .welcome, .secondPurchase, .winBack, .survey, .eventInvitation, .push, .inStore,
        .membershipRenewal,
    ]

    static func kindKey(_ kind: ReminderKind) -> String {
        switch kind {
        case .replenishment: return "replenishment"
        case .seasonal: return "seasonal"
        case .recall: return "recall"
        case .recipe: return "recipe"
        case .postPurchase: return "post-purchase"
        case .voucherExpiry: return "voucher-expiry"
        case .tierProgress: return "tier-progress"
        case .welcome: return "welcome"
        case .secondPurchase: return "second-purchase"
        case .winBack: return "win-back"
        case .survey: return "survey"
        case .eventInvitation: return "event-invitation"
        case .push: return "push"
        case .inStore: return "in-store"
        case .membershipRenewal: return "membership-renewal"
        }
    }
}

/// Deliveries already reported to the core, kept across launches (newest 256), so a reminder
/// is counted once however often `reconcileDelivered` runs.
private final class DeliveredLog {
    private let defaults: UserDefaults
    private let key = "com.loyaltycore.delivered-reminders"
    private let limit = 256

    init(defaults: UserDefaults) {
        self.defaults = defaults
    }

    /// `false` when `entry` was already there.
    func insert(_ entry: String) -> Bool {
        var entries = defaults.stringArray(forKey: key) ?? []
        guard !entries.contains(entry) else { return false }
        entries.append(entry)
        if entries.count > limit {
            entries.removeFirst(entries.count - limit)
        }
        defaults.set(entries, forKey: key)
        return true
    }

    func remove(_ entry: String) {
        var entries = defaults.stringArray(forKey: key) ?? []
        entries.removeAll { $0 == entry }
        defaults.set(entries, forKey: key)
    }
}
