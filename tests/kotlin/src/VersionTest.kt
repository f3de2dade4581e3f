// loyaltyCoreVersion(): the one export every build has.

import com.loyaltycore.loyaltyCoreVersion
import java.io.File

/** The repository root, passed by tests/kotlin/run.sh as -Dloyalty.repoRoot. */
fun repoRoot(): File =
    File(System.getProperty("loyalty.repoRoot") ?: fail("system property loyalty.repoRoot not set"))

/** `version` under `[workspace.package]` in the workspace Cargo.toml. */
fun workspaceVersion(): String {
    var section = ""
    for (raw in File(repoRoot(), "Cargo.toml").readLines()) {
        val line = raw.substringBefore('#').trim()
        if (line.startsWith("[")) {
            section = line.trim('[', ']').trim()
            continue
        }
        if (section == "workspace.package") {
            Regex("""^version\s*=\s*"([^"]+)"$""").find(line)?.let { return it.groupValues[1] }
        }
    }
    fail("no version under [workspace.package] in Cargo.toml")
}

private val SEMVER = Regex("""^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$""")

fun versionTests() {
    test("loyaltyCoreVersion is a non-empty semver string") {
        val v = loyaltyCoreVersion()
        assertTrue(v.isNotEmpty(), "version is empty")
        assertTrue(SEMVER.matches(v), "version <$v> does not look like semver")
    }
    test("loyaltyCoreVersion equals the workspace version in Cargo.toml") {
        assertEquals(workspaceVersion(), loyaltyCoreVersion())
    }
    test("loyaltyCoreVersion is stable across calls") {
        assertEquals(loyaltyCoreVersion(), loyaltyCoreVersion())
    }
}
