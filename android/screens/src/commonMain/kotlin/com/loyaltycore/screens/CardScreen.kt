package com.loyaltycore.screens

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import com.loyaltycore.BarcodeMatrix
import com.loyaltycore.TillCard

/** The quiet zone QR needs around the symbol, in modules. */
private const val QUIET_ZONE = 4

/**
 * The card at the till: the rotating QR code drawn from the core's module matrix, black on a
 * white panel in both themes (scanners read dark on light), with the card number under it for
 * a till that cannot scan. The caller redraws it at each rotation (`validUntil`) and, on
 * Android, keeps the screen bright and out of screenshots while it is shown.
 */
@Composable
fun CardScreen(card: TillCard?) {
    Column(
        Modifier.fillMaxSize().padding(24.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
    ) {
        ScreenText(str(Str.card_title), style = MaterialTheme.typography.headlineSmall, maxLines = 1)
        if (card == null) {
            ScreenText(str(Str.card_loading))
        } else {
            val description = str(Str.card_qr_description)
            QrCode(
                card.matrix,
                Modifier.fillMaxWidth(0.9f).aspectRatio(1f).clip(RoundedCornerShape(12.dp))
                    .semantics { contentDescription = description },
            )
            // The card number is the payload's second field (LC1:<card>:<totp>:<step>).
            ScreenText(
                str(Str.card_number, card.code.payload.split(':').getOrElse(1) { "" }),
                style = MaterialTheme.typography.titleMedium,
                maxLines = 1,
            )
            ScreenText(
                str(Str.card_rotates),
                style = MaterialTheme.typography.bodyMedium,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
                textAlign = TextAlign.Center,
            )
        }
    }
}

/** Draws a module matrix (1 = dark) with its quiet zone, each module a square of whole pixels. */
@Composable
fun QrCode(matrix: BarcodeMatrix, modifier: Modifier = Modifier) {
    Canvas(modifier.background(Color.White)) {
        val width = matrix.width.toInt()
        val height = matrix.height.toInt()
        val modulesAcross = maxOf(width, height) + 2 * QUIET_ZONE
        // Whole pixels per module: no anti-aliased seams between modules for the scanner.
        val module = kotlin.math.floor(size.minDimension / modulesAcross).coerceAtLeast(1f)
        val origin = Offset(
            kotlin.math.floor((size.width - module * width) / 2f),
            kotlin.math.floor((size.height - module * height) / 2f),
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
