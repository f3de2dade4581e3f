// Robolectric has no Android Keystore: `KeyStore.getInstance("AndroidKeyStore")` fails on the JVM.
// This JCA provider, registered under the same name for a test, stands in for it so that
// KeystoreSecretStore's own code runs unchanged: the provider holds AES keys in memory (generated
// by the JVM's KeyGenerator), checks the KeyGenParameterSpec the store asks for, and can refuse
// StrongBox as a device without one does. The AES-GCM sealing is the JVM's (SunJCE), as it is
// the Keystore's Cipher on a device. What it does not stand in for: hardware backing, key
// invalidation by the system, user authentication (see android/README.md).

package com.loyaltycore.android

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import java.io.InputStream
import java.io.OutputStream
import java.security.InvalidAlgorithmParameterException
import java.security.Key
import java.security.KeyStoreSpi
import java.security.Provider
import java.security.SecureRandom
import java.security.Security
import java.security.cert.Certificate
import java.security.spec.AlgorithmParameterSpec
import java.util.Collections
import java.util.Date
import java.util.Enumeration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import javax.crypto.KeyGenerator
import javax.crypto.KeyGeneratorSpi
import javax.crypto.SecretKey

class FakeAndroidKeyStore private constructor() : Provider(NAME, "1.0", "Android Keystore stand-in for Robolectric tests") {

    init {
        // Services that create their SPI directly: no lookup of the class by name in another loader.
        putService(object : Service(this, "KeyStore", NAME, Store::class.java.name, null, null) {
            override fun newInstance(constructorParameter: Any?): Any = Store()
        })
        putService(object : Service(this, "KeyGenerator", "AES", AesGenerator::class.java.name, null, null) {
            override fun newInstance(constructorParameter: Any?): Any = AesGenerator()
        })
    }

    /** The keystore's entries: alias -> key. */
    class Store : KeyStoreSpi() {
        override fun engineGetKey(alias: String, password: CharArray?): Key? = keys[alias]
        override fun engineGetCertificateChain(alias: String): Array<Certificate>? = null
        override fun engineGetCertificate(alias: String): Certificate? = null
        override fun engineGetCreationDate(alias: String): Date? = if (keys.containsKey(alias)) Date(0) else null
        override fun engineSetKeyEntry(alias: String, key: Key, password: CharArray?, chain: Array<out Certificate>?) {
            keys[alias] = key as SecretKey
        }
        override fun engineSetKeyEntry(alias: String, key: ByteArray, chain: Array<out Certificate>?) =
            throw UnsupportedOperationException("not used by the store")
        override fun engineSetCertificateEntry(alias: String, cert: Certificate) =
            throw UnsupportedOperationException("not used by the store")
        override fun engineDeleteEntry(alias: String) {
            keys.remove(alias)
        }
        override fun engineAliases(): Enumeration<String> = Collections.enumeration(keys.keys.toList())
        override fun engineContainsAlias(alias: String): Boolean = keys.containsKey(alias)
        override fun engineSize(): Int = keys.size
        override fun engineIsKeyEntry(alias: String): Boolean = keys.containsKey(alias)
        override fun engineIsCertificateEntry(alias: String): Boolean = false
        override fun engineGetCertificateAlias(cert: Certificate): String? = null
        override fun engineStore(stream: OutputStream?, password: CharArray?) = Unit
        override fun engineLoad(stream: InputStream?, password: CharArray?) {
            require(stream == null) { "the Android Keystore is loaded with null" }
        }
    }

    /** AES keys as the Keystore makes them, from a KeyGenParameterSpec. */
    class AesGenerator : KeyGeneratorSpi() {
        private var spec: KeyGenParameterSpec? = null

        override fun engineInit(random: SecureRandom?) =
            throw InvalidAlgorithmParameterException("the Android Keystore needs a KeyGenParameterSpec")

        override fun engineInit(params: AlgorithmParameterSpec?, random: SecureRandom?) {
            val s = params as? KeyGenParameterSpec
                ?: throw InvalidAlgorithmParameterException("the Android Keystore needs a KeyGenParameterSpec")
            spec = s
        }

        override fun engineInit(keysize: Int, random: SecureRandom?) = engineInit(random)

        override fun engineGenerateKey(): SecretKey {
            val s = checkNotNull(spec) { "not initialised" }
            requests += s
            if (s.isStrongBoxBacked && !strongBox) throw StrongBoxUnavailableException("no StrongBox on this device")
            val jvm = KeyGenerator.getInstance("AES", "SunJCE")
            jvm.init(s.keySize)
            val key = jvm.generateKey()
            keys[s.keystoreAlias] = key
            return key
        }
    }

    companion object {
        const val NAME = "AndroidKeyStore"

        internal val keys = ConcurrentHashMap<String, SecretKey>()

        /** Every KeyGenParameterSpec a key was asked with, in order. */
        val requests = CopyOnWriteArrayList<KeyGenParameterSpec>()

        /** Whether this "device" has StrongBox. */
        @Volatile
        var strongBox = false

        fun install(withStrongBox: Boolean) {
            uninstall()
            strongBox = withStrongBox
            Security.addProvider(FakeAndroidKeyStore())
        }

        fun uninstall() {
            Security.removeProvider(NAME)
            keys.clear()
            requests.clear()
        }

        /** The parameters the store must ask for: AES-256-GCM, no padding, random IVs, both purposes. */
        fun isStoreSpec(spec: KeyGenParameterSpec, alias: String): Boolean =
            spec.keystoreAlias == alias &&
                spec.keySize == 256 &&
                spec.purposes == (KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT) &&
                spec.blockModes.toList() == listOf(KeyProperties.BLOCK_MODE_GCM) &&
                spec.encryptionPaddings.toList() == listOf(KeyProperties.ENCRYPTION_PADDING_NONE) &&
                spec.isRandomizedEncryptionRequired
    }
}
