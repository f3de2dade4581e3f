import Foundation
import LoyaltyCore
import UserNotifications

/// Hands the retailer's push messages to the core (`reminders().receivePush`), which applies the
/// same policy as to local reminders (consent, quiet hours, caps, duplicates) and, for recalls,
/// matches the notice against the receipts on the device; shows what the core says to show.
///
/// The payload: the server sends the push message JSON (format in domain/src/reminders/push.rs,
/// `{"version": 1, "type": "message" | "recall", ...}`) under the key `payloadKey` of the APNs
/// payload, as an object or as a JSON string, in a background push
/// (`"aps": {"content-available": 1}`), so iOS shows nothing by itself and the core decides.
///
/// Recalls do not depend on background pushes alone (iOS throttles them and never delivers them
/// to an app the shopper force-quit): the server also sends a recall as a visible alert to the
/// members whose receipts hold the product (`POST /v1/admin/recall-alerts`), localised by iOS
/// from the app's `LOYALTY_RECALL_ALERT_TITLE` / `_BODY` strings. `open(response:)` acts on it
/// when the shopper taps it; in the foreground, `handle(notification:)` decides instead and the
/// remote alert itself is not presented. The `recalls` feed brings the notice at the next
/// sync (background refresh or launch) whatever happens to a push.
///
/// Contract:
/// - Threading: a value type with no state of its own; call it from any task. The core call
///   runs on the facade's I/O queue; the notification is added without any lock held.
/// - Not a core callback: the core never calls it, so it may call the core.
/// - Errors: `handle` never throws; it returns `.malformed` for a payload the core refuses
///   (`InvalidInput`) or that is not JSON, `.failed` for other core or notification errors (the
///   message is lost for this device only if the server does not send it again), and
///   `.notOurs` when the payload has no `payloadKey`.
public struct PushHandler: Sendable {
    public static let defaultPayloadKey = "loyalty"

    public enum Outcome: Sendable {
        /// The core said show it; it was added to the notification center now.
        case shown(id: String)
        /// The policy held it back, with the core's reason (no consent, capped, stale, ...).
        case suppressed(reason: String)
        /// Nothing to show (a recall that does not concern this shopper, an expired message).
        case notShown
        case malformed(reason: String)
        case failed(reason: String)
        case notOurs
    }

    public let loyalty: Loyalty
    public let scheduler: NotificationScheduler
    public let payloadKey: String

    public init(loyalty: Loyalty, scheduler: NotificationScheduler, payloadKey: String = PushHandler.defaultPayloadKey) {
        self.loyalty = loyalty
        self.scheduler = scheduler
        self.payloadKey = payloadKey
    }

    /// For `application(_:didReceiveRemoteNotification:fetchCompletionHandler:)`: pass
    /// `userInfo`, then call the completion handler with `.newData` for `.shown`, `.noData` for
    /// `.suppressed`/`.notShown`/`.notOurs`, `.failed` otherwise.
    public func handle(userInfo: [AnyHashable: Any]) async -> Outcome {
        guard let raw = userInfo[payloadKey] else { return .notOurs }
        let json: String
        switch raw {
        case let text as String:
            json = text
        case let object as [String: Any]:
            guard JSONSerialization.isValidJSONObject(object),
                  let data = try? JSONSerialization.data(withJSONObject: object),
                  let text = String(data: data, encoding: .utf8)
            else { return .malformed(reason: "push payload is not a JSON object") }
            json = text
        default:
            return .malformed(reason: "push payload is neither a JSON object nor a JSON string")
        }
        return await handle(json: json)
    }

    /// A visible push delivered while the app runs (`userNotificationCenter(_:willPresent:)`):
    /// the same decision from the notification's payload.
    public func handle(notification: UNNotification) async -> Outcome {
        await handle(userInfo: notification.request.content.userInfo)
    }

    /// The userInfo keys of a recall alert (the server's `POST /v1/admin/recall-alerts`, domain
    /// `reminders::recall_alert`): the notice id and the deep link to the recall screen.
    public static let recallIdKey = "loyalty.recall"
    public static let recallDeepLinkKey = "loyalty.deepLink"

    /// Whether a delivered notification is a recall alert of ours (a visible push: iOS showed it
    /// by itself, even with the app force-quit or background pushes throttled).
    public static func isRecallAlert(_ notification: UNNotification) -> Bool {
        notification.request.content.userInfo[recallIdKey] is String
    }

    /// The shopper opened a recall alert (`userNotificationCenter(_:didReceive:)`): the core
    /// matches the notice against the receipts on the device (the lot, which the server's
    /// audience does not check), records it as delivered when it concerns the shopper (so it is
    /// not shown again as a local notification), and the deep link to open is returned: the
    /// recall screen, which says whether the purchase is concerned and what to do. A payload too
    /// large for APNs carries no message: the screen shows the notice once the recall feed is
    /// synced. `nil` for a response that is not a recall alert of ours.
    public func open(response: UNNotificationResponse) async -> URL? {
        let info = response.notification.request.content.userInfo
        guard info[Self.recallIdKey] is String, let link = info[Self.recallDeepLinkKey] as? String
        else { return nil }
        if let json = info[payloadKey] as? String,
           case let .show(notification)? = try? await loyalty.receivePush(json: json)
        {
            try? await loyalty.markDelivered(notification)
            return URL(string: notification.deepLink) ?? URL(string: link)
        }
        return URL(string: link)
    }

    /// The push message JSON itself (for a Notification Service Extension or tests).
    public func handle(json: String) async -> Outcome {
        do {
            switch try await loyalty.receivePush(json: json) {
            case let .show(notification):
                try await scheduler.showNow(notification, loyalty: loyalty)
                return .shown(id: notification.id)
            case let .suppressed(reason):
                return .suppressed(reason: reason)
            case .notShown:
                return .notShown
            }
        } catch let error as LoyaltyError {
            if case let .InvalidInput(reason) = error {
                return .malformed(reason: reason)
            }
            return .failed(reason: error.reason)
        } catch {
            return .failed(reason: error.localizedDescription)
        }
    }
}
