// The core's log in Logcat.

package com.loyaltycore.android

import android.util.Log
import com.loyaltycore.LogLevel
import com.loyaltycore.Logger
import com.loyaltycore.setLogger

/**
 * Writes the core's log lines to Logcat under one tag (`LoyaltyCore`), with the core's target
 * ("store", "sync") in front of the message. The lines never hold the shopper's data, so they
 * may stay on in release builds at [LogLevel.WARN].
 *
 * Contract: called on whichever thread the core logs from, with no core lock held; `Log` is
 * thread-safe and returns at once. Never calls back into the core.
 */
class LogcatLogger(private val tag: String = "LoyaltyCore") : Logger {
    override fun log(level: LogLevel, target: String, message: String) {
        val line = "[$target] $message"
        when (level) {
            LogLevel.ERROR -> Log.e(tag, line)
            LogLevel.WARN -> Log.w(tag, line)
            LogLevel.INFO -> Log.i(tag, line)
            LogLevel.DEBUG -> Log.d(tag, line)
        }
    }

    companion object {
        /** Installs a Logcat logger for the process: debug builds at INFO, release at WARN. */
        fun install(debug: Boolean) {
            setLogger(LogcatLogger(), if (debug) LogLevel.INFO else LogLevel.WARN)
        }
    }
}
