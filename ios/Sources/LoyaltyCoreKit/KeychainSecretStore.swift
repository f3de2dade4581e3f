import Foundation
import LoyaltyCore
import Security

/// The core's `SecretStore` over the iOS Keychain: generic-password items of one service, readable
/// after the first unlock since boot, never migrated to another device
/// (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`: background refresh can sync while the
/// phone is locked; a restored backup on a new phone does not carry the card secret, which the
/// first sync fetches again).
///
/// Contract:
/// - Threading: the core calls `get`, `put` and `delete` synchronously on the thread that called
///   into it (the facade's I/O queue, a sync thread), possibly while it holds its store lock. The
///   Keychain calls here are thread-safe and block only for the Keychain daemon; this type keeps
///   no state and takes no lock of its own.
/// - Must not call back into Loyalty Core: doing so while the core holds its lock would deadlock.
///   Nothing here does.
/// - Errors: every failure is `SecretStoreError.Failed` with a reason naming the operation and
///   the `OSStatus` (never the key or the value). `errSecInteractionNotAllowed` means the device
///   has not been unlocked since it booted; the core reports the call as failed and nothing is
///   lost. A missing item is not an error: `get` returns `nil`, `delete` succeeds.
public final class KeychainSecretStore: SecretStore {
    /// `kSecAttrService` of every item (one namespace per app, or per app group).
    public let service: String
    /// `kSecAttrAccessGroup` to share the secrets with an app extension; `nil`: the app's own.
    public let accessGroup: String?

    public init(service: String = "com.loyaltycore.secrets", accessGroup: String? = nil) {
        self.service = service
        self.accessGroup = accessGroup
    }

    public func get(key: String) throws -> Data? {
        var query = itemQuery(key)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data else {
                throw SecretStoreError.Failed(reason: "keychain read returned an item that is not data")
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw Self.failure("read", status)
        }
    }

    public func put(key: String, value: Data) throws {
        let attributes: [String: Any] = [
            kSecValueData as String: value,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(itemQuery(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            let item = itemQuery(key).merging(attributes) { _, new in new }
            status = SecItemAdd(item as CFDictionary, nil)
            if status == errSecDuplicateItem {
                // Added by another thread between the update and the add: update that one.
                status = SecItemUpdate(itemQuery(key) as CFDictionary, attributes as CFDictionary)
            }
        }
        guard status == errSecSuccess else {
            throw Self.failure("write", status)
        }
    }

    public func delete(key: String) throws {
        let status = SecItemDelete(itemQuery(key) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.failure("delete", status)
        }
    }

    /// Removes every item of this service (sign-out of the whole app, "delete my data").
    public func deleteAll() throws {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.failure("delete all", status)
        }
    }

    private func itemQuery(_ key: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
            // Data-protection keychain on every platform (the only one on iOS).
            kSecUseDataProtectionKeychain as String: true,
        ]
        if let accessGroup {
            query[kSecAttrAccessGroup as String] = accessGroup
        }
        return query
    }

    private static func failure(_ operation: String, _ status: OSStatus) -> SecretStoreError {
        if status == errSecInteractionNotAllowed {
            return .Failed(reason: "keychain \(operation) refused: the device has not been unlocked since it started")
        }
        let message = SecCopyErrorMessageString(status, nil) as String? ?? "unknown error"
        return .Failed(reason: "keychain \(operation) failed: \(message) (OSStatus \(status))")
    }
}
