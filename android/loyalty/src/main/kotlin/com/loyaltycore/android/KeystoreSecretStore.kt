// The core's SecretStore on the Android Keystore: the card's TOTP secret and the sync token are
// encrypted with an AES-256-GCM key that never leaves the Keystore (hardware-backed where the
// device has it), and the ciphertexts are kept in private SharedPreferences.

package com.loyaltycore.android

import android.content.Context
import android.content.SharedPreferences
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.util.Base64
import com.loyaltycore.SecretStore
import com.loyaltycore.SecretStoreException
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * Secrets for Loyalty Core, sealed by an Android Keystore key.
 *
 * Contract (the core's `SecretStore`):
 * - Called on the thread that calls into the core (a background thread when the core is used
 *   through the facade), sometimes while the core holds its store lock: every method returns
 *   promptly, blocks only on its own short lock, and never calls back into Loyalty Core.
 * - `put` is durable before it returns (`SharedPreferences.commit`), as the core flushes its own
 *   writes before reporting them done.
 * - Failures are `SecretStoreException.Failed` with a fixed reason (no key names, no values).
 * - Each value is bound to its name (GCM associated data): a ciphertext moved to another name
 *   does not decrypt.
 *
 * The Keystore key is not part of a backup. Exclude [PREFERENCES] from backups too (the sample's
 * `data_extraction_rules.xml` does): a restored ciphertext without its key is unreadable, and the
 * shopper would have to join the household again.
 */
class KeystoreSecretStore(
    context: Context,
    private val keyAlias: String = KEY_ALIAS,
) : SecretStore {

    private val prefs: SharedPreferences =
        context.applicationContext.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE)
    private val lock = Any()

    override fun get(key: String): ByteArray? = synchronized(lock) {
        val stored = prefs.getString(key, null) ?: return null
        val bytes = try {
            Base64.decode(stored, Base64.NO_WRAP)
        } catch (e: IllegalArgumentException) {
            throw SecretStoreException.Failed("stored secret is not readable")
        }
        if (bytes.size <= IV_BYTES) throw SecretStoreException.Failed("stored secret is not readable")
        try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, existingKey(), GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES))
            cipher.updateAAD(key.toByteArray(Charsets.UTF_8))
            cipher.doFinal(bytes, IV_BYTES, bytes.size - IV_BYTES)
        } catch (e: GeneralSecurityException) {
            // Covers a key invalidated by the system and a tampered or restored ciphertext.
            throw SecretStoreException.Failed("stored secret could not be decrypted")
        }
    }

    override fun put(key: String, value: ByteArray): Unit = synchronized(lock) {
        val sealed = try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, keyForWriting())
            cipher.updateAAD(key.toByteArray(Charsets.UTF_8))
            val iv = cipher.iv
            check(iv.size == IV_BYTES) { "unexpected GCM nonce size" }
            iv + cipher.doFinal(value)
        } catch (e: GeneralSecurityException) {
            throw SecretStoreException.Failed("secret could not be encrypted")
        }
        if (!prefs.edit().putString(key, Base64.encodeToString(sealed, Base64.NO_WRAP)).commit()) {
            throw SecretStoreException.Failed("secret could not be written")
        }
    }

    override fun delete(key: String): Unit = synchronized(lock) {
        if (!prefs.edit().remove(key).commit()) {
            throw SecretStoreException.Failed("secret could not be deleted")
        }
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEY_STORE).apply { load(null) }

    private fun existingKey(): SecretKey =
        keyStore().getKey(keyAlias, null) as? SecretKey
            ?: throw SecretStoreException.Failed("keystore key is missing")

    /** The key, created on first use. */
    private fun keyForWriting(): SecretKey {
        (keyStore().getKey(keyAlias, null) as? SecretKey)?.let { return it }
        // StrongBox (a separate secure chip) where the device has one (API 28+); otherwise, or
        // when it refuses the key, the TEE-backed keystore as before.
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            try {
                return generateKey(strongBox = true)
            } catch (e: StrongBoxUnavailableException) {
                // No StrongBox on this device: fall back below.
            } catch (e: java.security.ProviderException) {
                // Some devices report StrongBox but fail to create the key in it: fall back.
            }
        }
        return generateKey(strongBox = false)
    }

    private fun generateKey(strongBox: Boolean): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEY_STORE)
        val spec = KeyGenParameterSpec.Builder(keyAlias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
        if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) spec.setIsStrongBoxBacked(true)
        generator.init(spec.build())
        return generator.generateKey()
    }

    companion object {
        /** The SharedPreferences file holding the ciphertexts. */
        const val PREFERENCES = "loyalty-core-secrets"
        const val KEY_ALIAS = "loyalty-core-secrets"
        private const val ANDROID_KEY_STORE = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val IV_BYTES = 12
        private const val TAG_BITS = 128
    }
}
