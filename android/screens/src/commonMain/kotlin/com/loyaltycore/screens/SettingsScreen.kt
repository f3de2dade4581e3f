package com.loyaltycore.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Slider
import androidx.compose.material3.Switch
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import com.loyaltycore.domain.QuietHours
import com.loyaltycore.domain.ReminderSettings

/** The languages the app and the core speak, each in its own name. */
private val LANGUAGES = listOf("nl" to "Nederlands", "fr" to "Français", "en" to "English")

/**
 * Consent per category (safety, service, marketing), quiet hours and language. [save]: store the
 * changed settings in the core (and re-plan the reminders); a change of language also switches
 * the app's own texts. [extra]: what only a platform has (Android 13's notification permission).
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun SettingsScreen(settings: ReminderSettings?, save: (ReminderSettings) -> Unit, extra: @Composable () -> Unit = {}) {
    val s = settings ?: return
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        ScreenText(str(Str.settings_consent), style = MaterialTheme.typography.titleMedium, maxLines = 1)
        SwitchRow(str(Str.channel_safety), str(Str.channel_safety_description), s.consent.safety) {
            save(s.copy(consent = s.consent.copy(safety = it)))
        }
        SwitchRow(str(Str.channel_service), str(Str.channel_service_description), s.consent.service) {
            save(s.copy(consent = s.consent.copy(service = it)))
        }
        SwitchRow(str(Str.channel_marketing), str(Str.channel_marketing_description), s.consent.marketing) {
            save(s.copy(consent = s.consent.copy(marketing = it)))
        }
        extra()
        HorizontalDivider()

        val quiet = s.quietHours
        SwitchRow(str(Str.settings_quiet_hours), str(Str.settings_quiet_hours_description), quiet != null) { on ->
            save(s.copy(quietHours = if (on) QuietHours((22 * 60).toUShort(), (8 * 60).toUShort()) else null))
        }
        if (quiet != null) {
            HourSlider(str(Str.settings_quiet_from), quiet.startMinute.toInt() / 60) { h ->
                save(s.copy(quietHours = quiet.copy(startMinute = (h * 60).toUShort())))
            }
            HourSlider(str(Str.settings_quiet_until), quiet.endMinute.toInt() / 60) { h ->
                save(s.copy(quietHours = quiet.copy(endMinute = (h * 60).toUShort())))
            }
        }
        HorizontalDivider()

        ScreenText(str(Str.settings_language), style = MaterialTheme.typography.titleMedium, maxLines = 1)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            for ((tag, name) in LANGUAGES) {
                FilterChip(
                    selected = s.language.substringBefore('-') == tag,
                    onClick = { save(s.copy(language = tag)) },
                    label = { ScreenText(name, maxLines = 1) },
                )
            }
        }
    }
}

@Composable
private fun SwitchRow(title: String, description: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(12.dp)) {
        Column(Modifier.weight(1f)) {
            ScreenText(title)
            ScreenText(description, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        Switch(checked = checked, onCheckedChange = onChange)
    }
}

@Composable
private fun HourSlider(label: String, hour: Int, onChange: (Int) -> Unit) {
    var value by remember(hour) { mutableStateOf(hour.toFloat()) }
    ScreenText("$label %02d:00".format(value.toInt()), maxLines = 1)
    Slider(
        value = value,
        onValueChange = { value = it },
        onValueChangeFinished = { onChange(value.toInt()) },
        valueRange = 0f..23f,
        steps = 22,
    )
}
