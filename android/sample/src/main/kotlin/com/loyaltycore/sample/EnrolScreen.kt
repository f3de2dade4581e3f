package com.loyaltycore.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import com.loyaltycore.domain.LoyaltyException
import com.loyaltycore.facade.Loyalty
import kotlinx.coroutines.launch

/** First start: join the programme, or add this device to a household with another device's code. */
@Composable
fun EnrolScreen(loyalty: Loyalty, onEnrolled: () -> Unit) {
    val scope = rememberCoroutineScope()
    var name by remember { mutableStateOf("") }
    var householdCode by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val failed = stringResource(R.string.enrol_failed)

    fun run(action: suspend () -> Unit) {
        busy = true
        error = null
        scope.launch {
            try {
                action()
                onEnrolled()
            } catch (e: LoyaltyException) {
                error = "$failed ${e.message}"
            } finally {
                busy = false
            }
        }
    }

    Column(
        Modifier.fillMaxSize().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.enrol_title), style = MaterialTheme.typography.headlineMedium)
        OutlinedTextField(name, { name = it }, Modifier.fillMaxWidth(), label = { Text(stringResource(R.string.enrol_name)) })
        Button(onClick = { run { loyalty.enrol(BuildConfig.SERVER_URL, name.ifBlank { null }) } }, enabled = !busy) {
            Text(stringResource(R.string.enrol_join))
        }
        OutlinedTextField(householdCode, { householdCode = it.trim() }, Modifier.fillMaxWidth(), label = { Text(stringResource(R.string.enrol_household_code)) })
        Button(onClick = { run { loyalty.joinHousehold(BuildConfig.SERVER_URL, householdCode) } }, enabled = !busy && householdCode.isNotEmpty()) {
            Text(stringResource(R.string.enrol_join_household))
        }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    }
}
