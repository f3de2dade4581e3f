package com.loyaltycore.sample

import android.Manifest
import android.os.Build
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatDelegate
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Slider
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.core.os.LocaleListCompat
import com.loyaltycore.QuietHours
import com.loyaltycore.ReminderSettings
import com.loyaltycore.android.ReminderNotifications
import com.loyaltycore.android.replanReminders
import com.loyaltycore.facade.Loyalty
import kotlinx.coroutines.launch

private val LANGUAGES = listOf("nl" to "Nederlands", "fr" to "Français", "en" to "English")

/**
 * Consent per category (marketing, service, safety), quiet hours and language. Each change is
 * saved in the core and the reminders are re-planned at once; the language also switches the
 * app's own texts (per-app language).
 */
@Composable
fun SettingsScreen(loyalty: Loyalty, notifications: ReminderNotifications) {
    val scope = rememberCoroutineScope()
    var saved by remember { mutableStateOf(0) }
    val settings by produceState<ReminderSettings?>(null, saved) { value = loyalty.reminderSettings() }
    val askPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { }

    fun save(next: ReminderSettings) {
        scope.launch {
            runCatching {
                loyalty.setReminderSettings(next)
                replanReminders(loyalty, notifications)
            }
            saved++
        }
    }

    val s = settings ?: return
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text(stringResource(R.string.settings_consent), style = MaterialTheme.typography.titleMedium)
        ConsentRow(stringResource(R.string.channel_safety), stringResource(R.string.channel_safety_description), s.consent.safety) {
            save(s.copy(consent = s.consent.copy(safety = it)))
        }
        ConsentRow(stringResource(R.string.channel_service), stringResource(R.string.channel_service_description), s.consent.service) {
            save(s.copy(consent = s.consent.copy(service = it)))
        }
        ConsentRow(stringResource(R.string.channel_marketing), stringResource(R.string.channel_marketing_description), s.consent.marketing) {
            save(s.copy(consent = s.consent.copy(marketing = it)))
        }
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            Button(onClick = { askPermission.launch(Manifest.permission.POST_NOTIFICATIONS) }) {
                Text(stringResource(R.string.settings_allow_notifications))
            }
        }
        HorizontalDivider()

        val quiet = s.quietHours
        ConsentRow(stringResource(R.string.settings_quiet_hours), stringResource(R.string.settings_quiet_hours_description), quiet != null) { on ->
            save(s.copy(quietHours = if (on) QuietHours((22 * 60).toUShort(), (8 * 60).toUShort()) else null))
        }
        if (quiet != null) {
            HourSlider(stringResource(R.string.settings_quiet_from), quiet.startMinute.toInt() / 60) { h ->
                save(s.copy(quietHours = quiet.copy(startMinute = (h * 60).toUShort())))
            }
            HourSlider(stringResource(R.string.settings_quiet_until), quiet.endMinute.toInt() / 60) { h ->
                save(s.copy(quietHours = quiet.copy(endMinute = (h * 60).toUShort())))
            }
        }
        HorizontalDivider()

        Text(stringResource(R.string.settings_language), style = MaterialTheme.typography.titleMedium)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            for ((tag, name) in LANGUAGES) {
                FilterChip(
                    selected = s.language.substringBefore('-') == tag,
                    onClick = {
                        save(s.copy(language = tag))
                        AppCompatDelegate.setApplicationLocales(LocaleListCompat.forLanguageTags(tag))
                    },
                    label = { Text(name) },
                )
            }
        }
    }
}

@Composable
private fun ConsentRow(title: String, description: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
        Column(Modifier.weight(1f)) {
            Text(title)
            Text(description, style = MaterialTheme.typography.bodySmall)
        }
        Switch(checked = checked, onCheckedChange = onChange)
    }
}

@Composable
private fun HourSlider(label: String, hour: Int, onChange: (Int) -> Unit) {
    var value by remember(hour) { mutableStateOf(hour.toFloat()) }
    Text("$label %02d:00".format(value.toInt()))
    Slider(
        value = value,
        onValueChange = { value = it },
        onValueChangeFinished = { onChange(value.toInt()) },
        valueRange = 0f..23f,
        steps = 22,
    )
}
