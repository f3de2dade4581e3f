package com.loyaltycore.screens.desktop

import com.loyaltycore.screens.ScreenStrings
import com.loyaltycore.screens.Str
import java.io.File
import java.util.Locale
import javax.xml.parsers.DocumentBuilderFactory
import org.w3c.dom.Element

/** A text the screens asked for that a language lacks (or has blank). */
class MissingString(message: String) : RuntimeException(message)

/**
 * The `<string>` entries of one Android strings.xml, unescaped as Android's resource compiler
 * does: surrounding double quotes dropped, `\'` `\"` `\\` `\n` `\t` `\@` `\?` resolved.
 */
fun readStringsXml(file: File): Map<String, String> {
    val factory = DocumentBuilderFactory.newInstance()
    factory.isExpandEntityReferences = false
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true)
    val doc = factory.newDocumentBuilder().parse(file)
    val nodes = doc.documentElement.getElementsByTagName("string")
    val out = LinkedHashMap<String, String>()
    for (i in 0 until nodes.length) {
        val e = nodes.item(i) as Element
        val name = e.getAttribute("name")
        require(name.isNotEmpty()) { "$file: a <string> without a name" }
        require(name !in out) { "$file: $name twice" }
        out[name] = unescape(e.textContent)
    }
    return out
}

private fun unescape(raw: String): String {
    var s = raw
    if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.substring(1, s.length - 1)
    val b = StringBuilder()
    var i = 0
    while (i < s.length) {
        val c = s[i]
        if (c == '\\' && i + 1 < s.length) {
            when (val n = s[i + 1]) {
                'n' -> b.append('\n')
                't' -> b.append('\t')
                else -> b.append(n)
            }
            i += 2
        } else {
            b.append(c)
            i++
        }
    }
    return b.toString()
}

/** The screens' texts in one language, from its strings.xml; a missing or blank text throws. */
class XmlStrings(
    override val language: String,
    override val locale: Locale,
    private val texts: Map<String, String>,
) : ScreenStrings {
    override fun text(key: Str, vararg args: Any): String {
        val template = texts[key.name]
        if (template.isNullOrBlank()) throw MissingString("string '${key.name}' missing in '$language'")
        return if (args.isEmpty() && !template.contains('%')) template else String.format(locale, template, *args)
    }
}
