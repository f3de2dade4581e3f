package com.loyaltycore.sample

import android.app.Activity
import android.view.WindowManager
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.loyaltycore.BarcodeMatrix
import com.loyaltycore.EcLevel
import com.loyaltycore.TillCard
import com.loyaltycore.facade.Loyalty

/** The quiet zone QR needs around the symbol, in modules. */
private const val QUIET_ZONE = 4

/**
 * The card at the till: the rotating QR code drawn natively from the core's module matrix,
 * redrawn at each rotation (the facade's `tillCards` Flow waits for `validUntil`), full
 * brightness while shown, and screenshots / the recents thumbnail blocked (FLAG_SECURE).
 * Works offline: the code comes from the secret on the device.
 */
@Composable
fun CardScreen(loyalty: Loyalty) {
    SecureBrightWindow()
    val flow = remember(loyalty) { loyalty.tillCards(EcLevel.MEDIUM) }
    val card: TillCard? by flow.collectAsStateWithLifecycle(initialValue = null)
    Column(
        Modifier.fillMaxSize().background(Color.White).padding(24.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
    ) {
        Text(stringResource(R.string.card_title), style = MaterialTheme.typography.headlineSmall, color = Color.Black)
        val current = card
        if (current == null) {
            Text(stringResource(R.string.card_loading), color = Color.Black)
        } else {
            val description = stringResource(R.string.card_qr_description)
            QrCode(
                current.matrix,
                Modifier.fillMaxWidth(0.85f).aspectRatio(1f).semantics { contentDescription = description },
            )
            // The card number under the code, for a till that cannot scan (the payload's 2nd field).
            Text(current.code.payload.split(':').getOrElse(1) { "" }, style = MaterialTheme.typography.titleMedium, color = Color.Black)
            Text(stringResource(R.string.card_rotates), style = MaterialTheme.typography.bodySmall, color = Color.DarkGray)
        }
    }
}

/** Draws a module matrix (1 = dark) with its quiet zone, each module a square of whole pixels. */
@Composable
fun QrCode(matrix: BarcodeMatrix, modifier: Modifier = Modifier) {
    Canvas(modifier.background(Color.White)) {
        val width = matrix.width.toInt()
        val height = matrix.height.toInt()
        val modulesAcross = width + 2 * QUIET_ZONE
        // Whole pixels per module: no anti-aliased seams between modules for the scanner.
        val module = kotlin.math.floor(size.minDimension / modulesAcross).coerceAtLeast(1f)
        val origin = Offset(
            (size.width - module * width) / 2f,
            (size.height - module * height) / 2f,
        )
        for (y in 0 until height) {
            for (x in 0 until width) {
                if (matrix.modules[y * width + x].toInt() == 1) {
                    drawRect(Color.Black, Offset(origin.x + x * module, origin.y + y * module), Size(module, module))
                }
            }
        }
    }
}

/** Full screen brightness and FLAG_SECURE while the card is shown; restored when it leaves. */
@Composable
private fun SecureBrightWindow() {
    val activity = LocalContext.current as? Activity ?: return
    DisposableEffect(activity) {
        val window = activity.window
        val previous = window.attributes.screenBrightness
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        window.attributes = window.attributes.apply {
            screenBrightness = WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL
        }
        onDispose {
            window.attributes = window.attributes.apply { screenBrightness = previous }
            window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
        }
    }
}
