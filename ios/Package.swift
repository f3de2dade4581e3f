// swift-tools-version: 5.9
// Loyalty Core for iOS: the Rust core as an XCFramework, its generated Swift bindings, and a thin
// Swift layer (async/await facade, Keychain, notifications, background sync, push handling).
//
// Build the XCFramework and the generated Swift first, on macOS: ios/build-xcframework.sh
// (for development; apps add the released package by URL: release/release.sh writes its
// Package.swift with the XCFramework as a remote binary target, url + checksum).
import PackageDescription

let package = Package(
    name: "LoyaltyCore",
    // LoyaltyCoreKit's own texts (notification actions and categories) are in
    // Sources/LoyaltyCoreKit/Resources/<language>.lproj: en, nl, nl-BE, fr.
    defaultLocalization: "en",
    platforms: [
        .iOS(.v16),
    ],
    products: [
        .library(name: "LoyaltyCore", targets: ["LoyaltyCore", "LoyaltyCoreKit"]),
    ],
    targets: [
        // The Rust static library (device + simulator slices), its C header and module map
        // (module `loyalty_ffiFFI`), written by build-xcframework.sh.
        .binaryTarget(
            name: "loyalty_ffiFFI",
            path: "LoyaltyCoreFFI.xcframework"
        ),
        // The uniffi-generated Swift (Sources/LoyaltyCore/Generated/: LoyaltyCore.swift and
        // LoyaltyCoreDomain.swift, one per uniffi component, copied in
        // by build-xcframework.sh; never edited by hand).
        .target(
            name: "LoyaltyCore",
            dependencies: ["loyalty_ffiFFI"],
            path: "Sources/LoyaltyCore",
            // The privacy manifest of the Rust core (required-reason APIs it calls).
            resources: [.copy("PrivacyInfo.xcprivacy")],
            linkerSettings: [
                // The static library's own system dependencies: rustls-platform-verifier (via
                // reqwest) uses Security.framework and CoreFoundation on Apple platforms.
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
        // The Swift layer apps use: facade and platform services.
        .target(
            name: "LoyaltyCoreKit",
            dependencies: ["LoyaltyCore"],
            path: "Sources/LoyaltyCoreKit",
            // The privacy manifest of the Swift layer (UserDefaults), and the localised texts
            // (looked up with `bundle: .module`).
            resources: [.copy("PrivacyInfo.xcprivacy"), .process("Resources")]
            // Security, UserNotifications and BackgroundTasks are linked by their `import`s.
        ),
    ]
)
