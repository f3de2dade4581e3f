import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// Digital receipts, newest first: proof of purchase with the return window and the warranties
/// still running.
struct ReceiptsScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @State private var receipts: [Receipt] = []
    @State private var warranties: [WarrantyItem] = []
    @State private var loadError: String?

    var body: some View {
        NavigationStack {
            List {
                if let loadError {
                    Text(loadError).foregroundStyle(.red)
                }
                if !warranties.isEmpty {
                    Section("Under warranty") {
                        ForEach(warranties, id: \.self) { item in
                            LabeledContent(named(item.names, item.name),
                                           value: String(localized: "until \(item.warrantyUntil.formatted(date: .abbreviated, time: .omitted))"))
                        }
                    }
                }
                Section("Purchases") {
                    if receipts.isEmpty {
                        Text("Your receipts appear here after you shop with your card.")
                            .foregroundStyle(.secondary)
                    }
                    ForEach(receipts, id: \.id) { receipt in
                        NavigationLink(value: receipt) {
                            ReceiptRow(receipt: receipt)
                        }
                    }
                }
            }
            .navigationTitle("Receipts")
            .navigationDestination(for: Receipt.self) { receipt in
                ReceiptDetail(loyalty: loyalty, receipt: receipt,
                              warranties: warranties.filter { $0.receiptId == receipt.id })
            }
            .refreshable {
                await model.syncNow()
            }
        }
        .task(id: model.dataVersion) {
            await load()
        }
    }

    private func load() async {
        do {
            async let all = loyalty.receipts()
            async let running = loyalty.activeWarranties()
            (receipts, warranties) = try await (all, running)
            loadError = nil
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }
}

struct ReceiptRow: View {
    let receipt: Receipt

    var body: some View {
        HStack {
            VStack(alignment: .leading, spacing: 2) {
                Text(named(receipt.storeNames, receipt.storeName))
                Text(receipt.purchasedAt.formatted(date: .abbreviated, time: .shortened))
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            Spacer()
            if let total = receipt.total {
                Text(total.formatted)
                    .monospacedDigit()
            }
        }
    }
}

struct ReceiptDetail: View {
    let loyalty: Loyalty
    let receipt: Receipt
    let warranties: [WarrantyItem]
    @State private var returnUntil: Date?

    var body: some View {
        List {
            Section {
                LabeledContent("Store", value: named(receipt.storeNames, receipt.storeName))
                LabeledContent("Date", value: receipt.purchasedAt.formatted(date: .long, time: .shortened))
                if let total = receipt.total {
                    LabeledContent("Total", value: total.formatted)
                }
                if let returnUntil {
                    LabeledContent("Returns until", value: returnUntil.formatted(date: .abbreviated, time: .omitted))
                        .foregroundStyle(returnUntil < Date() ? .secondary : .primary)
                }
            }
            Section("Items") {
                ForEach(Array(receipt.lines.enumerated()), id: \.offset) { _, line in
                    VStack(alignment: .leading, spacing: 2) {
                        HStack {
                            if line.quantity > 1 {
                                Text("\(line.quantity.formatted())× \(named(line.names, line.name))")
                            } else {
                                Text(named(line.names, line.name))
                            }
                            Spacer()
                            Text(Money(amountMinor: line.unitPrice.amountMinor * line.quantity,
                                       currency: line.unitPrice.currency).formatted)
                                .monospacedDigit()
                        }
                        HStack(spacing: 8) {
                            Text(line.category)
                            if let lot = line.lot {
                                Text("(lot \(lot))")
                            }
                            if let months = line.warrantyMonths {
                                Text("\(months.formatted()) months warranty")
                            }
                        }
                        .font(.caption)
                        .foregroundStyle(.secondary)
                    }
                }
            }
            if !warranties.isEmpty {
                Section("Warranty") {
                    ForEach(warranties, id: \.self) { item in
                        LabeledContent(item.name, value: item.warrantyUntil.formatted(date: .abbreviated, time: .omitted))
                    }
                }
            }
        }
        .navigationTitle(named(receipt.storeNames, receipt.storeName))
        .task {
            returnUntil = try? await loyalty.returnUntil(receiptId: receipt.id)
        }
    }
}
