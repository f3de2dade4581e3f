import Foundation
import LoyaltyCore

extension Money {
    /// "€12.50" in the shopper's locale, from integer minor units (no floating point).
    var formatted: String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .currency
        formatter.currencyCode = currency
        let digits = formatter.maximumFractionDigits
        var scale = Decimal(1)
        for _ in 0..<digits {
            scale *= 10
        }
        let value = Decimal(amountMinor) / scale
        return formatter.string(from: value as NSDecimalNumber) ?? "\(value) \(currency)"
    }
}

/// The language the app's own texts resolved to ("nl-BE", "fr", "en", from the bundle's
/// localizations and the shopper's preferred languages), for the texts the core writes itself
/// (`offerStateText`) and the offers' titles, so one screen never mixes two languages.
enum AppLanguage {
    static var tag: String {
        Bundle.main.preferredLocalizations.first ?? "en"
    }
}

/// A product's, store's, voucher's or tier's name in the app's language: the core picks the
/// entry of `names` for that language, else `fallback`, the name in the retailer's own language.
func named(_ names: [String: String], _ fallback: String) -> String {
    localizedName(names: names, fallback: fallback, language: AppLanguage.tag)
}

/// Numbers and dates in the localised texts are interpolated as Strings formatted with the
/// shopper's locale (`formatted()`), so every placeholder of Localizable.strings is `%@`
/// (ios/check.py relies on it to compute the keys).
extension VoucherKind {
    /// What the voucher gives, in one line.
    var summary: String {
        switch self {
        case let .amountOff(amount, minSpend):
            if let minSpend {
                return String(localized: "\(amount.formatted) off from \(minSpend.formatted)")
            }
            return String(localized: "\(amount.formatted) off")
        case let .percentOff(percent, maxDiscount):
            let share = percentText(percent)
            if let maxDiscount {
                return String(localized: "\(share) off, up to \(maxDiscount.formatted)")
            }
            return String(localized: "\(share) off")
        case let .freeProduct(_, productName):
            return String(localized: "Free: \(productName)")
        case let .pointsMultiplier(multiplier):
            return String(localized: "\(multiplier.formatted())× points")
        case let .eventInvitation(eventName, location, startsAt, _):
            let when = startsAt.formatted(date: .abbreviated, time: .shortened)
            return String(localized: "\(eventName), \(location), \(when)")
        }
    }
}

extension Voucher {
    /// What the voucher gives, in one line; an invitation's event named in the app's language
    /// by the voucher's titles.
    var summary: String {
        if case let .eventInvitation(eventName, location, startsAt, _) = kind {
            let when = startsAt.formatted(date: .abbreviated, time: .shortened)
            return String(localized: "\(named(titles, eventName)), \(location), \(when)")
        }
        return kind.summary
    }
}

extension OfferKind {
    /// What the offer gives, in one line (the same texts as Android's offer_* strings).
    var summary: String {
        switch self {
        case let .amountOff(_, amount):
            return String(localized: "\(amount.formatted) off")
        case let .percentOff(_, percent):
            let share = percentText(percent)
            return String(localized: "\(share) off")
        case let .pointsMultiplier(_, multiplier):
            return String(localized: "\(multiplier.formatted())× points")
        case let .freeProduct(_, quantity):
            return String(localized: "\(quantity.formatted()) free")
        }
    }
}

/// "20%", "20 %" (French), from whole percent, in the shopper's locale.
func percentText<Percent: BinaryInteger>(_ percent: Percent) -> String {
    (Double(Int(percent)) / 100).formatted(.percent)
}

extension OfferTitle {
    /// The title in the app's language (the offer carries nl, fr and en; Belgian Dutch reads nl).
    func text(language: String) -> String {
        switch String(language.prefix { $0.isLetter }).lowercased() {
        case "nl": return nl
        case "fr": return fr
        default: return en
        }
    }
}

extension VoucherState {
    var label: String {
        switch self {
        case .available: return String(localized: "Available")
        case .redeeming: return String(localized: "Being redeemed")
        case let .redeemed(at):
            let day = at.formatted(date: .abbreviated, time: .omitted)
            return String(localized: "Redeemed on \(day)")
        case .expired: return String(localized: "Expired")
        case .revoked: return String(localized: "Withdrawn")
        }
    }
}

extension Receipt {
    /// Sum of the lines (quantity × unit price) in minor units; the lines share one currency.
    var total: Money? {
        guard let currency = lines.first?.unitPrice.currency else { return nil }
        let minor = lines.reduce(Int64(0)) { sum, line in
            sum + line.quantity * line.unitPrice.amountMinor
        }
        return Money(amountMinor: minor, currency: currency)
    }
}

extension NotificationCategory {
    var label: String {
        switch self {
        case .safety: return String(localized: "Safety")
        case .service: return String(localized: "Service")
        case .marketing: return String(localized: "Offers")
        }
    }

    var systemImage: String {
        switch self {
        case .safety: return "exclamationmark.shield"
        case .service: return "info.circle"
        case .marketing: return "tag"
        }
    }
}

extension SyncPhase {
    var label: String {
        switch self {
        case .card: return String(localized: "card")
        case .outbox: return String(localized: "sending what you did offline")
        case .ledger: return String(localized: "points")
        case .vouchers: return String(localized: "vouchers")
        case .receipts: return String(localized: "receipts")
        case .content: return String(localized: "reminder content")
        }
    }
}
