package com.loyaltycore.screens

import androidx.compose.material3.LocalTextStyle
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.text.style.TextOverflow

/**
 * Told about every text the screens lay out: the desktop renderer fails a screen whose text
 * does not fit (clipped or cut off with an ellipsis); the app ignores it.
 */
fun interface TextChecks {
    fun laidOut(text: String, overflows: Boolean)
}

val LocalTextChecks = staticCompositionLocalOf { TextChecks { _, _ -> } }

/**
 * Every text of the shared screens goes through here: a material3 [Text] that reports whether
 * it overflowed. [maxLines]: labels that must stay on one line say so, and then must fit.
 */
@Composable
fun ScreenText(
    text: String,
    modifier: Modifier = Modifier,
    style: TextStyle = LocalTextStyle.current,
    color: Color = Color.Unspecified,
    maxLines: Int = Int.MAX_VALUE,
    textAlign: TextAlign? = null,
) {
    val checks = LocalTextChecks.current
    Text(
        text,
        modifier = modifier,
        style = style,
        color = color,
        maxLines = maxLines,
        overflow = TextOverflow.Ellipsis,
        textAlign = textAlign,
        onTextLayout = { checks.laidOut(text, it.hasVisualOverflow) },
    )
}
