// The Keystore secret store under Robolectric. Robolectric has no Android Keystore, so:
// - without it, the store fails closed with its fixed sentence (nothing stored in the clear);
// - with FakeAndroidKeyStore (a JCA provider named "AndroidKeyStore" holding JVM AES keys in
//   memory), the store's own code runs unchanged: the key it asks for, StrongBox tried first with
//   fallback, AES-GCM sealing bound to the name, durable writes, and the real core keeping and
//   reading the card secret through it.

package com.loyaltycore.android

import android.content.Context
import android.util.Base64
import com.loyaltycore.domain.EcLevel
import com.loyaltycore.LoyaltyClient
import com.loyaltycore.SecretStoreException
import com.loyaltycore.domain.TotpAlgorithm
import com.loyaltycore.domain.TotpParams
import com.loyaltycore.defaultProgrammeRules
import com.loyaltycore.defaultRenderOptions
import com.loyaltycore.facade.Loyalty
import com.loyaltycore.newTotpSecret
import java.io.File
import java.security.KeyStore
import java.security.KeyStoreException
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class KeystoreSecretStoreTest {
    private lateinit var app: TestApp

    @Before
    fun setUp() {
        app = RuntimeEnvironment.getApplication() as TestApp
        FakeAndroidKeyStore.uninstall()
    }

    @After
    fun tearDown() {
        FakeAndroidKeyStore.uninstall()
    }

    private fun ciphertexts() = app.getSharedPreferences(KeystoreSecretStore.PREFERENCES, Context.MODE_PRIVATE)

    @Test
    fun withoutAnAndroidKeystoreTheStoreFailsClosed() {
        // What Robolectric gives: no "AndroidKeyStore" provider at all.
        assertThrowsKt<KeyStoreException> { KeyStore.getInstance("AndroidKeyStore") }
        val store = KeystoreSecretStore(app)
        val e = assertThrowsKt<SecretStoreException.Failed> { store.put("card", byteArrayOf(1, 2, 3)) }
        assertEquals("secret could not be encrypted", e.reason)
        assertTrue("nothing was written", ciphertexts().all.isEmpty())
        assertNull(store.get("card"))
    }

    @Test
    fun keepsAndReadsSecretsSealedUnderTheKeystoreKey() {
        FakeAndroidKeyStore.install(withStrongBox = true)
        val store = KeystoreSecretStore(app)
        val secret = ByteArray(20) { (it * 7 + 3).toByte() }
        store.put("card-secret", secret)
        assertArrayEquals(secret, store.get("card-secret"))
        assertNull(store.get("other"))

        // The key: one, AES-256-GCM, asked for in StrongBox (this "device" has one).
        val spec = FakeAndroidKeyStore.requests.single()
        assertTrue(FakeAndroidKeyStore.isStoreSpec(spec, KeystoreSecretStore.KEY_ALIAS))
        assertTrue(spec.isStrongBoxBacked)

        // On disk only a ciphertext: 12-byte nonce + sealed value + 16-byte tag, not the secret.
        val stored = Base64.decode(ciphertexts().getString("card-secret", null), Base64.NO_WRAP)
        assertEquals(12 + secret.size + 16, stored.size)
        assertFalse(String(stored, Charsets.ISO_8859_1).contains(String(secret, Charsets.ISO_8859_1)))

        // Durable and keyed: a new store (a new process) reads it with the same Keystore key.
        assertArrayEquals(secret, KeystoreSecretStore(app).get("card-secret"))
        assertEquals("the key is reused, not made again", 1, FakeAndroidKeyStore.requests.size)

        // Each write has a fresh nonce.
        store.put("card-secret", secret)
        val again = Base64.decode(ciphertexts().getString("card-secret", null), Base64.NO_WRAP)
        assertFalse(stored.contentEquals(again))

        store.delete("card-secret")
        assertNull(store.get("card-secret"))
        store.delete("card-secret") // deleting what is not there is fine
    }

    @Test
    fun withoutStrongBoxTheKeyFallsBackToTheKeystore() {
        FakeAndroidKeyStore.install(withStrongBox = false)
        val store = KeystoreSecretStore(app)
        store.put("token", "sync-token".toByteArray())
        assertEquals("sync-token", String(store.get("token")!!))
        val asked = FakeAndroidKeyStore.requests.map { it.isStrongBoxBacked }
        assertEquals("StrongBox first, then the TEE keystore", listOf(true, false), asked)
        assertTrue(FakeAndroidKeyStore.requests.all { FakeAndroidKeyStore.isStoreSpec(it, KeystoreSecretStore.KEY_ALIAS) })
    }

    @Test
    fun aValueIsBoundToItsNameAndTamperingIsRefused() {
        FakeAndroidKeyStore.install(withStrongBox = false)
        val store = KeystoreSecretStore(app)
        store.put("a", "secret-a".toByteArray())
        val sealed = ciphertexts().getString("a", null)
        // Moved to another name: GCM's associated data no longer matches.
        ciphertexts().edit().putString("b", sealed).commit()
        assertEquals("stored secret could not be decrypted", assertThrowsKt<SecretStoreException.Failed> { store.get("b") }.reason)
        // One bit flipped in the ciphertext.
        val bytes = Base64.decode(sealed, Base64.NO_WRAP)
        bytes[bytes.size - 1] = (bytes[bytes.size - 1].toInt() xor 1).toByte()
        ciphertexts().edit().putString("a", Base64.encodeToString(bytes, Base64.NO_WRAP)).commit()
        assertEquals("stored secret could not be decrypted", assertThrowsKt<SecretStoreException.Failed> { store.get("a") }.reason)
        // Not Base64, and too short to hold a nonce.
        ciphertexts().edit().putString("c", "%%%").putString("d", Base64.encodeToString(ByteArray(5), Base64.NO_WRAP)).commit()
        assertEquals("stored secret is not readable", assertThrowsKt<SecretStoreException.Failed> { store.get("c") }.reason)
        assertEquals("stored secret is not readable", assertThrowsKt<SecretStoreException.Failed> { store.get("d") }.reason)
    }

    @Test
    fun aKeyLostByTheSystemMakesTheSecretUnreadableNotWrong() {
        FakeAndroidKeyStore.install(withStrongBox = false)
        val store = KeystoreSecretStore(app)
        store.put("card", byteArrayOf(9, 9, 9))
        // The Keystore entry disappears (app data restored on another device, key invalidated).
        KeyStore.getInstance("AndroidKeyStore").apply { load(null) }.deleteEntry(KeystoreSecretStore.KEY_ALIAS)
        assertEquals("keystore key is missing", assertThrowsKt<SecretStoreException.Failed> { store.get("card") }.reason)
    }

    @Test
    fun theCoreKeepsAndReadsTheCardSecretThroughTheStore() = runBlocking {
        FakeAndroidKeyStore.install(withStrongBox = false)
        val clock = ManualClock(T0)
        val secret = newTotpSecret(TotpAlgorithm.SHA1)
        val params = TotpParams(TotpAlgorithm.SHA1, 8u, 30_000uL)
        val dir = File(app.noBackupFilesDir, "loyalty-core")
        // Enrolled on this device: the core hands the card secret to the Keystore store.
        LoyaltyClient.open(dir.path, defaultProgrammeRules(), clock, KeystoreSecretStore(app)).use { client ->
            client.card().use { it.enrol("2400000000017", secret, params) }
            client.shutdown()
        }
        assertFalse("the preferences hold something", ciphertexts().all.isEmpty())
        for ((name, value) in ciphertexts().all) {
            val bytes = Base64.decode(value as String, Base64.NO_WRAP)
            assertFalse("$name is not the secret in the clear",
                String(bytes, Charsets.ISO_8859_1).contains(String(secret, Charsets.ISO_8859_1)))
        }

        // A new process: the facade with a new store instance reads the secret back to make codes.
        val payload = Loyalty.open(dir, KeystoreSecretStore(app), clock = clock).use { it.tillCard().code.payload }

        // The same card with the secret held in memory makes the same code at the same time.
        val reference = File(app.cacheDir, "reference-core")
        val expected = LoyaltyClient.open(reference.path, defaultProgrammeRules(), clock, MemorySecrets()).use { client ->
            val code = client.card().use { card ->
                card.enrol("2400000000017", secret, params)
                card.tillCard(EcLevel.MEDIUM, defaultRenderOptions()).code.payload
            }
            client.shutdown()
            code
        }
        assertEquals(expected, payload)
    }
}
