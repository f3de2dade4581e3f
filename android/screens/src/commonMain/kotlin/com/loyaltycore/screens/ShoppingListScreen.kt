package com.loyaltycore.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.style.TextDecoration
import androidx.compose.ui.unit.dp
import com.loyaltycore.ListItem
import com.loyaltycore.domain.ListItemSource
import com.loyaltycore.ListScreen
import com.loyaltycore.domain.UsualItem

/** What the shopper does with the list; each is a core call (the list is on the device). */
interface ListActions {
    fun add(name: String)
    fun setChecked(item: ListItem, checked: Boolean)
    fun addUsual(item: UsualItem)
}

/**
 * The shopping list: items typed by hand, taken from "your usual items" or from a reminder,
 * checked off in the shop (a receipt that buys an item takes it off by itself), and the usual
 * items the core expects soon, each with its why.
 */
@Composable
fun ShoppingListScreen(list: ListScreen?, actions: ListActions) {
    var draft by remember { mutableStateOf("") }
    LazyColumn(
        Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        item {
            Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(
                    value = draft,
                    onValueChange = { draft = it },
                    modifier = Modifier.weight(1f),
                    singleLine = true,
                    placeholder = { ScreenText(str(Str.list_add_hint), maxLines = 1) },
                )
                Button(onClick = { if (draft.isNotBlank()) actions.add(draft.trim()); draft = "" }) {
                    ScreenText(str(Str.list_add), maxLines = 1)
                }
            }
        }
        val items = list?.items.orEmpty()
        if (list != null && items.isEmpty()) item { ScreenText(str(Str.list_empty)) }
        items(items, key = { "item-" + it.id }) { item ->
            Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
                Checkbox(checked = item.checked, onCheckedChange = { actions.setChecked(item, it) })
                Column(Modifier.weight(1f)) {
                    val quantity = item.quantity?.let { str(Str.list_quantity, it.toInt()) + " " } ?: ""
                    ScreenText(
                        quantity + item.name,
                        style = MaterialTheme.typography.bodyLarge.copy(
                            textDecoration = if (item.checked) TextDecoration.LineThrough else null,
                        ),
                        color = if (item.checked) MaterialTheme.colorScheme.onSurfaceVariant else MaterialTheme.colorScheme.onSurface,
                    )
                    if (item.source is ListItemSource.Reminder) {
                        ScreenText(str(Str.list_from_reminder), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    }
                }
            }
        }
        val usual = list?.usual.orEmpty()
        if (usual.isNotEmpty()) {
            item {
                HorizontalDivider()
                ScreenText(str(Str.list_usual), style = MaterialTheme.typography.titleMedium, maxLines = 1)
            }
            items(usual, key = { "usual-" + it.gtin }) { u ->
                Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Column(Modifier.weight(1f)) {
                        ScreenText(u.name, style = MaterialTheme.typography.bodyLarge)
                        // The core's why, in the shopper's language.
                        ScreenText(u.reason, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    }
                    OutlinedButton(onClick = { actions.addUsual(u) }) { ScreenText(str(Str.list_usual_add), maxLines = 1) }
                }
            }
        }
    }
}
