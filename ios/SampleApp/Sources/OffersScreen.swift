import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// The member's offers as the last sync brought them: personal ones marked, opt-in ones with an
/// "Activate" button (at once and offline; the next sync tells the server), and the state of
/// each in the core's words (`offerStateText`). Mirrors Android's `OffersScreen`.
struct OffersScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @State private var offers: [OfferItem]?
    @State private var loadError: String?
    @State private var activating: Set<String> = []

    var body: some View {
        NavigationStack {
            List {
                if let loadError {
                    Text(loadError).foregroundStyle(.red)
                }
                if let offers {
                    if offers.isEmpty {
                        Text("No offers right now.")
                            .foregroundStyle(.secondary)
                    }
                    ForEach(offers, id: \.offer.id) { item in
                        OfferRow(item: item, activating: activating.contains(item.offer.id)) {
                            Task { await activate(item) }
                        }
                    }
                } else if loadError == nil {
                    ProgressView()
                }
            }
            .navigationTitle("Offers")
            .refreshable {
                await model.syncNow()
            }
        }
        // The core's OffersListener: the list now and after each activation, answer and sync.
        .task {
            await follow()
        }
    }

    private func follow() async {
        do {
            let lists = try loyalty.offerLists()
            for await list in lists {
                offers = list
                loadError = nil
            }
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }

    private func activate(_ item: OfferItem) async {
        let id = item.offer.id
        activating.insert(id)
        defer { activating.remove(id) }
        do {
            _ = try await loyalty.activateOffer(offerId: id)
            loadError = nil
            // The activation is pending until the server hears of it.
            Task { await model.syncNow() }
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }
}

struct OfferRow: View {
    let item: OfferItem
    let activating: Bool
    let activate: () -> Void

    private var personal: Bool { item.offer.scope == .personal }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            if personal || item.offer.premiumOnly {
                HStack(spacing: 6) {
                    if personal {
                        Text("Just for you")
                    }
                    if personal && item.offer.premiumOnly {
                        Text(verbatim: "·")
                    }
                    if item.offer.premiumOnly {
                        Text("Premium members")
                    }
                }
                .font(.caption.weight(.semibold))
                .foregroundStyle(Color.accentColor)
            }
            Text(item.offer.title.text(language: AppLanguage.tag))
                .font(.headline)
            Text(item.offer.kind.summary)
            Text("Valid until \(item.offer.validUntil.formatted(date: .abbreviated, time: .omitted))")
                .font(.caption)
                .foregroundStyle(.secondary)
            // The state in the core's words ("Activate this offer to get it at the till.", ...).
            Text(offerStateText(state: item.state, language: AppLanguage.tag))
                .font(.callout)
            if item.pending {
                Text("Confirmed at the next sync")
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            if item.state == .available && item.offer.activation == .optIn {
                Button("Activate", action: activate)
                    .buttonStyle(.borderedProminent)
                    .disabled(activating)
                    .padding(.top, 4)
            }
        }
        .padding(.vertical, 4)
        .listRowBackground(personal ? Color.accentColor.opacity(0.12) : nil)
    }
}
