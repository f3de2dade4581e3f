package loyalty.copy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.languagetool.JLanguageTool;
import org.languagetool.Languages;
import org.languagetool.rules.RuleMatch;

/**
 * The copy checks of tests/copy/run.sh over a file of JSON lines, each a shopper-facing text
 * ({"kind":"text","lang":"nl-BE","id":...,"text":...}) or a date the product writes
 * ({"kind":"date","lang":"fr","iso":"2026-01-01","style":"day-month-year","text":...}):
 *
 * <ol>
 *   <li>grammar and spelling: LanguageTool (nl, nl-BE, fr, fr-BE, en-GB) finds nothing, apart
 *       from the allow-list's entries (rule id and flagged words, each with a reason);
 *   <li>glossary: none of the variant's forbidden words (glossary.md) appears;
 *   <li>dates: equal to what CLDR (the JDK's default CLDR locale data) writes for the locale, with
 *       French "1er" for the first of the month.
 * </ol>
 *
 * Usage: Check TEXTS.jsonl GLOSSARY.md ALLOWLIST.tsv [--expect-each-caught]. Prints one line per
 * finding, then "Checked: N passed, M failed"; exits 1 on a finding. An allow-list entry that no
 * text needs is a finding too. With --expect-each-caught (the
 * negative controls) every line must be flagged by the check its "expect" field names, and the
 * exit status is 1 when one is not.
 */
public final class Check {
    record Item(String kind, String lang, String id, String text, String iso, String style, String expect) {}

    record Forbidden(String lang, Pattern pattern, String word, String instead) {}

    record Allowed(String lang, String rule, String text, String line) {}

    public static void main(String[] args) throws IOException {
        List<Item> items = readItems(Path.of(args[0]));
        List<Forbidden> glossary = readGlossary(Path.of(args[1]));
        List<Allowed> allowed = readAllowList(Path.of(args[2]));
        boolean controls = args.length > 3 && args[3].equals("--expect-each-caught");
        Map<String, JLanguageTool> tools = new HashMap<>();
        java.util.Set<Allowed> used = new java.util.HashSet<>();
        int passed = 0;
        int failed = 0;
        for (Item it : items) {
            Map<String, List<String>> findings = new LinkedHashMap<>();
            if (it.kind.equals("date")) {
                findings.put("date", dateFindings(it));
            } else {
                findings.put("grammar", grammarFindings(it, tools, allowed, used));
                findings.put("glossary", glossaryFindings(it, glossary));
            }
            if (controls) {
                List<String> f = findings.getOrDefault(it.expect, List.of());
                String where = it.lang + "/" + it.id;
                if (f.isEmpty()) {
                    failed++;
                    System.out.println("NOT CAUGHT (" + it.expect + "): " + where + ": " + it.text);
                } else {
                    passed++;
                    System.out.println("caught (" + it.expect + "): " + where + ": " + f.get(0));
                }
                continue;
            }
            for (Map.Entry<String, List<String>> e : findings.entrySet()) {
                if (e.getValue().isEmpty()) {
                    passed++;
                } else {
                    failed++;
                    for (String f : e.getValue()) {
                        System.out.println("FAIL " + e.getKey() + " " + it.lang + "/" + it.id + ": " + f
                                + "\n    " + it.text);
                    }
                }
            }
        }
        if (!controls) {
            // An entry nothing needs any more is removed, so the list stays short and true.
            for (Allowed a : allowed) {
                if (used.contains(a)) {
                    passed++;
                } else {
                    failed++;
                    System.out.println("FAIL allow-list entry no text needs: " + a.line);
                }
            }
        }
        System.out.println("Checked: " + passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    // ---- LanguageTool

    static String ltCode(String lang) {
        return switch (lang) {
            case "en" -> "en-GB";
            default -> lang;
        };
    }

    static List<String> grammarFindings(Item it, Map<String, JLanguageTool> tools, List<Allowed> allowed,
            java.util.Set<Allowed> used) throws IOException {
        JLanguageTool lt = tools.computeIfAbsent(ltCode(it.lang),
                code -> new JLanguageTool(Languages.getLanguageForShortCode(code)));
        List<String> out = new ArrayList<>();
        for (RuleMatch m : lt.check(it.text)) {
            String flagged = it.text.substring(m.getFromPos(), m.getToPos());
            String rule = m.getRule().getId();
            java.util.Optional<Allowed> ok = allowed.stream().filter(a -> (a.lang.equals("*")
                    || a.lang.equals(it.lang) || a.lang.equals(it.lang.substring(0, 2)))
                    && a.rule.equals(rule) && a.text.equals(flagged)).findFirst();
            ok.ifPresent(used::add);
            if (ok.isEmpty()) {
                out.add("LanguageTool " + rule + " on \"" + flagged + "\": " + m.getMessage()
                        + (m.getSuggestedReplacements().isEmpty() ? ""
                                : " (suggests: " + String.join(" | ",
                                        m.getSuggestedReplacements().subList(0,
                                                Math.min(3, m.getSuggestedReplacements().size()))) + ")"));
            }
        }
        return out;
    }

    // ---- Glossary

    static List<String> glossaryFindings(Item it, List<Forbidden> glossary) {
        List<String> out = new ArrayList<>();
        for (Forbidden f : glossary) {
            if (!f.lang.equals(it.lang)) {
                continue;
            }
            Matcher m = f.pattern.matcher(it.text);
            if (m.find()) {
                out.add("glossary: \"" + m.group() + "\" is not " + it.lang + " copy; write " + f.instead);
            }
        }
        return out;
    }

    /** Rows "| variant | forbidden | write instead | why |" of glossary.md's "Forbidden" table. */
    static List<Forbidden> readGlossary(Path p) throws IOException {
        List<Forbidden> out = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (line.startsWith("## ")) {
                inTable = line.startsWith("## Forbidden");
                continue;
            }
            if (!inTable || !line.startsWith("|") || line.startsWith("|-") || line.startsWith("| variant")) {
                continue;
            }
            String[] c = line.split("\\|");
            String lang = c[1].trim();
            String word = c[2].trim().replace("`", "");
            String instead = c[3].trim();
            if (c.length < 5 || c[4].trim().isEmpty()) {
                throw new IllegalArgumentException("glossary row without a reason: " + line);
            }
            // Whole words, any case, plurals and compounds that end with the word included
            // ("kassabonnen", "Kassabon").
            Pattern pat = Pattern.compile("(?iu)(?<![\\p{L}])" + word + "(?![\\p{L}])");
            if (word.endsWith("*")) {
                pat = Pattern.compile("(?iu)(?<![\\p{L}])" + word.substring(0, word.length() - 1) + "\\p{L}*");
            }
            for (String l : lang.split(",")) {
                out.add(new Forbidden(l.trim(), pat, word, instead));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no forbidden words read from " + p);
        }
        return out;
    }

    static List<Allowed> readAllowList(Path p) throws IOException {
        List<Allowed> out = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] c = line.split("\t");
            if (c.length < 4 || c[3].trim().length() < 10) {
                throw new IllegalArgumentException("allow-list entry needs lang, rule, text and a reason: " + line);
            }
            out.add(new Allowed(c[0], c[1], c[2], line));
        }
        return out;
    }

    // ---- Dates against CLDR

    static Locale locale(String lang) {
        return switch (lang) {
            case "en" -> Locale.UK;
            default -> Locale.forLanguageTag(lang);
        };
    }

    static String cldr(String lang, String style, LocalDate d) {
        String pattern = switch (style) {
            case "day-month" -> "d MMMM";
            case "day-month-year" -> "d MMMM y";
            case "short-day-month-year" -> "d MMM y";
            case "weekday-day-month-year" -> "EEE d MMMM y";
            default -> throw new IllegalArgumentException("unknown date style " + style);
        };
        String s = DateTimeFormatter.ofPattern(pattern, locale(lang)).format(d);
        if (lang.startsWith("fr") && d.getDayOfMonth() == 1) {
            // French writes the first of the month as an ordinal: "1er janvier".
            s = s.replaceFirst("(^|\\s)1 ", "$11er ");
        }
        return s;
    }

    static List<String> dateFindings(Item it) {
        String want = cldr(it.lang, it.style, LocalDate.parse(it.iso));
        return want.equals(it.text) ? List.of()
                : List.of("date " + it.iso + " (" + it.style + "): \"" + it.text + "\", CLDR writes \"" + want + "\"");
    }

    // ---- Input

    static List<Item> readItems(Path p) throws IOException {
        List<Item> out = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            out.add(new Item(field(line, "kind"), field(line, "lang"),
                    field(line, "id") != null ? field(line, "id") : field(line, "source"),
                    field(line, "text"), field(line, "iso"), field(line, "style"), field(line, "expect")));
        }
        return out;
    }

    /** A string field of a flat JSON object (the producers write nothing nested). */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? unescape(m.group(1)) : null;
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> b.append(n);
            }
        }
        return b.toString();
    }
}
