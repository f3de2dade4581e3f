import Foundation
import LoyaltyCore

/// The shopper-visible texts of LoyaltyCoreKit itself (notification action titles and category
/// names), from this package's `Resources/<language>.lproj/Localizable.strings` (`Bundle.module`),
/// in the language iOS picks from the shopper's preferred languages and the app's localizations.
/// The same words as the Android library's notification channels and the sample apps' buttons.
enum KitText {
    static var notInterested: String {
        String(localized: "Not interested", bundle: .module)
    }

    static var remindLater: String {
        String(localized: "Remind me later", bundle: .module)
    }

    /// The mute action ("stop this rule"), never offered for safety notices.
    static var noMoreOfThese: String {
        String(localized: "No more of these", bundle: .module)
    }

    static func categoryName(_ category: NotificationCategory) -> String {
        switch category {
        case .safety: return String(localized: "Safety", bundle: .module)
        case .service: return String(localized: "Service", bundle: .module)
        case .marketing: return String(localized: "Offers", bundle: .module)
        }
    }
}
