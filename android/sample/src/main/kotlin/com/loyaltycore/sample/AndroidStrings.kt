package com.loyaltycore.sample

import android.content.Context
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.platform.LocalContext
import com.loyaltycore.screens.ScreenStrings
import com.loyaltycore.screens.Str
import java.util.Locale

/**
 * The shared screens' texts from the app's resources (res/values{,-nl,-fr}/strings.xml, the
 * same files the desktop renderer reads). A name the resources lack throws: the renderer's
 * completeness check keeps that from shipping.
 */
class AndroidStrings(private val context: Context) : ScreenStrings {
    override val locale: Locale = context.resources.configuration.locales[0]
    override val language: String = locale.language.takeIf { it == "nl" || it == "fr" } ?: "en"

    override fun text(key: Str, vararg args: Any): String {
        // Looked up by name: the shared code has no R class. Resources are not shrunk in this
        // app (no shrinkResources), so every name stays.
        val id = context.resources.getIdentifier(key.name, "string", context.packageName)
        check(id != 0) { "no string resource named ${key.name}" }
        return if (args.isEmpty()) context.getString(id) else context.getString(id, *args)
    }
}

/** The strings for the current configuration (rebuilt when the per-app language changes). */
@Composable
fun rememberAndroidStrings(): AndroidStrings {
    val context = LocalContext.current
    val configuration = LocalConfiguration.current
    return remember(context, configuration) { AndroidStrings(context) }
}
