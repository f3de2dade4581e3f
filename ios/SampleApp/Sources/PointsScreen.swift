import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// Points and tier: what can be spent now, what awaits the server, the tier with the progress to
/// the next one, points about to expire and the recent ledger.
struct PointsScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @State private var snapshot: Snapshot?
    @State private var loadError: String?

    struct Snapshot {
        let balance: Balance
        let tier: TierStatus
        let expiring: [ExpiringPoints]
        let recent: [LedgerEntry]
        /// What the core says of an entry in the app's language, by sequence number.
        let described: [UInt64: String]
    }

    var body: some View {
        NavigationStack {
            List {
                if let snapshot {
                    balanceSection(snapshot.balance)
                    tierSection(snapshot.tier)
                    if !snapshot.expiring.isEmpty {
                        Section("Expiring soon") {
                            ForEach(snapshot.expiring, id: \.lotSeq) { lot in
                                LabeledContent("\(lot.points.formatted()) points",
                                               value: lot.expiresAt.formatted(date: .abbreviated, time: .omitted))
                            }
                        }
                    }
                    Section("Recent activity") {
                        if snapshot.recent.isEmpty {
                            Text("No points yet: they appear after your first purchase.")
                                .foregroundStyle(.secondary)
                        }
                        ForEach(snapshot.recent, id: \.seq) { entry in
                            LedgerRow(entry: entry, described: snapshot.described[entry.seq])
                        }
                    }
                } else if let loadError {
                    Text(loadError).foregroundStyle(.red)
                } else {
                    ProgressView()
                }
            }
            .navigationTitle("Points")
            .refreshable {
                await model.syncNow()
            }
        }
        .task(id: model.dataVersion) {
            await load()
        }
    }

    private func balanceSection(_ balance: Balance) -> some View {
        Section {
            VStack(alignment: .leading, spacing: 4) {
                Text(balance.available.formatted())
                    .font(.system(size: 48, weight: .bold, design: .rounded))
                    .monospacedDigit()
                Text("points to spend")
                    .foregroundStyle(.secondary)
            }
            .padding(.vertical, 8)
            if balance.pendingCredit != 0 || balance.pendingDebit != 0 {
                LabeledContent("Waiting for confirmation",
                               value: "+\(balance.pendingCredit.formatted()) / −\(balance.pendingDebit.formatted())")
                LabeledContent("Once confirmed", value: balance.projected.formatted())
            }
        }
    }

    private func tierSection(_ tier: TierStatus) -> some View {
        Section("Tier") {
            LabeledContent("Current tier", value: named(tier.tierNames, tier.tier))
            if let next = tier.nextTier, let missing = tier.pointsToNextTier {
                let goal = tier.qualifyingPoints + missing
                VStack(alignment: .leading, spacing: 6) {
                    ProgressView(value: Double(tier.qualifyingPoints), total: Double(max(goal, 1)))
                    Text("\(missing.formatted()) points to \(named(tier.nextTierNames, next))")
                        .font(.footnote)
                        .foregroundStyle(.secondary)
                }
            } else {
                Text("You are in the highest tier.")
                    .foregroundStyle(.secondary)
            }
            Text("Counted since \(tier.windowStart.formatted(date: .abbreviated, time: .omitted))")
                .font(.footnote)
                .foregroundStyle(.secondary)
        }
    }

    private func load() async {
        do {
            async let balance = loyalty.balance()
            async let tier = loyalty.tier()
            async let expiring = loyalty.expiringPoints(withinDays: 60)
            let recent = try await loyalty.recentEntries(limit: 50)
            let described = try await loyalty.describeEntries(recent, language: AppLanguage.tag)
            snapshot = try await Snapshot(balance: balance, tier: tier, expiring: expiring,
                                          recent: recent, described: described)
            loadError = nil
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }
}

struct LedgerRow: View {
    let entry: LedgerEntry
    /// The core's line for the entry in the app's language, if it has one.
    let described: String?

    var body: some View {
        HStack {
            VStack(alignment: .leading, spacing: 2) {
                Text(described ?? entry.description ?? Self.title(entry.kind))
                Text(entry.at.formatted(date: .abbreviated, time: .shortened))
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            Spacer()
            VStack(alignment: .trailing, spacing: 2) {
                Text(entry.points > 0 ? "+" + entry.points.formatted() : entry.points.formatted())
                    .monospacedDigit()
                    .foregroundStyle(entry.points >= 0 ? Color.green : Color.primary)
                switch entry.status {
                case .pending:
                    Text("pending").font(.caption2).foregroundStyle(.orange)
                case .rejected:
                    Text("rejected").font(.caption2).foregroundStyle(.red)
                case .confirmed:
                    EmptyView()
                }
            }
        }
    }

    static func title(_ kind: EntryKind) -> String {
        switch kind {
        case .earn: return String(localized: "Points earned")
        case .redeem: return String(localized: "Points spent")
        case .adjust: return String(localized: "Points added by the shop")
        case .expire: return String(localized: "Points expired")
        case .reverse: return String(localized: "Points taken back")
        }
    }
}
