import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// The reminders the core planned from the shopper's own purchases, each with its "why you got
/// this", and the feedback that shapes the next plan (not interested, later, stop these).
struct RemindersScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @State private var plan: ReminderPlan?
    /// The reminders whose item is already on the shopping list (by notification id).
    @State private var onList: Set<String> = []
    @State private var loadError: String?

    var body: some View {
        NavigationStack {
            List {
                if let loadError {
                    Text(loadError).foregroundStyle(.red)
                }
                if let plan {
                    Section {
                        if plan.items.isEmpty {
                            Text("Nothing planned. Reminders come from what you buy: running out, the season, recalls, recipes.")
                                .foregroundStyle(.secondary)
                        }
                        ForEach(plan.items, id: \.id) { item in
                            ReminderRow(item: item, listed: onList.contains(item.id)) {
                                Task { await feedback { _ = try await loyalty.addReminderToList(item) } }
                            }
                                .swipeActions(edge: .trailing) {
                                    Button("Not interested", role: .destructive) {
                                        Task { await feedback { try await loyalty.dismissReminder(id: item.id) } }
                                    }
                                    if item.category != .safety {
                                        Button("No more of these") {
                                            Task { await feedback { try await loyalty.muteReminderRule(ruleId: item.ruleId) } }
                                        }
                                        .tint(.gray)
                                    }
                                }
                                .swipeActions(edge: .leading) {
                                    Button("Later") {
                                        Task {
                                            await feedback {
                                                try await loyalty.snoozeReminder(id: item.id, until: Date().addingTimeInterval(24 * 60 * 60))
                                            }
                                        }
                                    }
                                    .tint(.blue)
                                }
                        }
                    } footer: {
                        if !plan.suppressed.isEmpty {
                            Text("\(plan.suppressed.count.formatted()) held back by your settings (consent, quiet hours, limits).")
                        }
                    }
                } else if loadError == nil {
                    ProgressView()
                }
            }
            .navigationTitle("Reminders")
            .refreshable {
                await load()
            }
        }
        .task(id: model.dataVersion) {
            await load()
        }
    }

    private func load() async {
        do {
            let plan = try await loyalty.reminderPlan()
            let list = try await loyalty.shoppingList(usualLimit: 0)
            self.plan = plan
            onList = Set(list.items.compactMap { item -> String? in
                if case let .reminder(notificationId) = item.source { return notificationId }
                return nil
            })
            loadError = nil
            try await model.scheduler.apply(plan)
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            // The plan is shown; only scheduling failed (notifications not allowed).
            loadError = nil
        }
    }

    private func feedback(_ action: () async throws -> Void) async {
        do {
            try await action()
            await load()
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }
}

struct ReminderRow: View {
    let item: PlannedNotification
    /// Its item is on the shopping list already.
    let listed: Bool
    let addToList: () -> Void
    @State private var showsWhy = false

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            HStack {
                Label(item.category.label, systemImage: item.category.systemImage)
                    .font(.caption)
                    .foregroundStyle(item.category == .safety ? Color.red : Color.secondary)
                Spacer()
                Text(item.at.formatted(date: .abbreviated, time: .shortened))
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            Text(item.title).font(.headline)
            Text(item.body)
            // The reminder's own "Add it to your shopping list?", labelled by the core.
            if let offer = item.listOffer {
                if listed {
                    Text("✓ On your shopping list")
                        .font(.callout)
                        .foregroundStyle(Color.accentColor)
                } else {
                    Button(offer.action, action: addToList)
                        .buttonStyle(.bordered)
                }
            }
            DisclosureGroup("Why you got this", isExpanded: $showsWhy) {
                Text(item.reason)
                    .font(.callout)
                    .foregroundStyle(.secondary)
            }
            .font(.callout)
        }
        .padding(.vertical, 4)
    }
}
