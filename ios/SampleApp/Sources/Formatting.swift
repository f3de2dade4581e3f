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

extension VoucherKind {
    /// What the voucher gives, in one line.
    var summary: String {
        switch self {
        case let .amountOff(amount, minSpend):
            if let minSpend {
                return String(localized: "\(amount.formatted) off when you spend \(minSpend.formatted)")
            }
            return String(localized: "\(amount.formatted) off")
        case let .percentOff(percent, maxDiscount):
            if let maxDiscount {
                return String(localized: "\(percent)% off, up to \(maxDiscount.formatted)")
            }
            return String(localized: "\(percent)% off")
        case let .freeProduct(_, productName):
            return String(localized: "Free \(productName)")
        case let .pointsMultiplier(multiplier):
            return String(localized: "\(multiplier)× points")
        case let .eventInvitation(eventName, location, startsAt, _):
            return String(localized: "\(eventName), \(location), \(startsAt.formatted(date: .abbreviated, time: .shortened))")
        }
    }
}

extension VoucherState {
    var label: String {
        switch self {
        case .available: return String(localized: "Available")
        case .redeeming: return String(localized: "Being redeemed")
        case let .redeemed(at): return String(localized: "Used on \(at.formatted(date: .abbreviated, time: .omitted))")
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
