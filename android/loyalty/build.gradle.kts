// The Android library: the generated Kotlin bindings (Android flavour), the native library per
// ABI (cargo-ndk), the Kotlin facade and the platform services. Built in Android Studio, or with
// `./gradlew :loyalty:assembleRelease` from android/.
//
// Needs on the build machine: Rust with the Android targets
//   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
// cargo-ndk (`cargo install cargo-ndk`), and the NDK of `ndkVersion` below (SDK Manager ->
// SDK Tools -> NDK, side by side): the build hands exactly that NDK to cargo-ndk.
//
// Gradle properties (gradle.properties, or -P):
//   loyalty.repoRoot          the Rust workspace (default: two directories above this module, so
//                             the module can be included from an app's own build by path)
//   loyalty.cargoProfile      the Cargo profile of release variants (default mobile-release:
//                             opt-level z, LTO, panic = "unwind"); debug variants use `dev`
//   loyalty.abis              comma-separated ABIs (default all three; e.g. "arm64-v8a" for a
//                             faster build for one device)
//   loyalty.prebuiltJniLibs   a directory <abi>/libloyalty_ffi.so already built (release.sh):
//                             copied instead of running cargo-ndk
import groovy.json.JsonSlurper
import java.io.ByteArrayOutputStream
import javax.inject.Inject
import org.gradle.process.ExecOperations

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    `maven-publish`
}

val repoRoot: File = providers.gradleProperty("loyalty.repoRoot")
    .map { file(it) }
    .getOrElse(projectDir.resolve("../..").canonicalFile)
require(File(repoRoot, "bindings/Cargo.toml").isFile) {
    "loyalty.repoRoot: no Loyalty Core workspace at $repoRoot (set -Ployalty.repoRoot=<path>)"
}
val allAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val selectedAbis: List<String> = providers.gradleProperty("loyalty.abis")
    .map { value -> value.split(',').map(String::trim).filter(String::isNotEmpty) }
    .getOrElse(allAbis)
require(selectedAbis.isNotEmpty() && allAbis.containsAll(selectedAbis)) {
    "loyalty.abis: choose from $allAbis, got $selectedAbis"
}
val releaseProfile = providers.gradleProperty("loyalty.cargoProfile").getOrElse("mobile-release")
val prebuiltJniLibs = providers.gradleProperty("loyalty.prebuiltJniLibs").map { file(it) }
// The release version: [workspace.package] version of the workspace Cargo.toml (one version for
// the crates, the AAR and the XCFramework; tags v<version>, see CHANGELOG.md).
val workspaceVersion: String = Regex("""(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)"""")
    .find(File(repoRoot, "Cargo.toml").readText())?.groupValues?.get(1)
    ?: error("no [workspace.package] version in ${File(repoRoot, "Cargo.toml")}")
group = "com.loyaltycore"
val minSdkLevel = 26
val pinnedNdk = "27.2.12479018"
version = workspaceVersion

/** What the native library is built from: a change here, and only here, rebuilds it. */
val rustSources = fileTree(repoRoot) {
    include("Cargo.toml", "Cargo.lock", "uniffi.toml", "rust-toolchain.toml", ".cargo/**")
    include("domain/**", "core/**", "bindings/**")
    exclude("**/target/**", "**/build/**", "**/benches/**", "**/tests/**", "bindings/size.sh")
}

android {
    namespace = "com.loyaltycore"
    compileSdk = 36
    ndkVersion = pinnedNdk

    defaultConfig {
        minSdk = minSdkLevel
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += selectedAbis }
    }
    publishing {
        singleVariant("release")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    // The Android AAR of JNA ships libjnidispatch.so for every ABI. 5.18.1 at least: 5.14 crashes
    // on 16 KB-page devices (java-native-access/jna#1618), fixed in 5.16/5.17, a race in 5.18.1.
    implementation("net.java.dev.jna:jna:5.18.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
    implementation("androidx.annotation:annotation:1.9.1")
    implementation("androidx.work:work-runtime-ktx:2.10.0")
}

/**
 * libloyalty_ffi.so for [abis] with cargo-ndk into [outputDir]/<abi>/, built with the NDK the
 * module pins (ANDROID_NDK_HOME is set to it, so cargo-ndk cannot pick another one installed).
 * Up to date while [sources], the profile, the ABIs and the NDK version are unchanged.
 */
abstract class CargoNdk : DefaultTask() {
    @get:Inject abstract val exec: ExecOperations
    @get:Inject abstract val files: FileSystemOperations

    @get:InputFiles @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val sources: ConfigurableFileCollection
    @get:Input abstract val profile: Property<String>
    @get:Input abstract val abis: ListProperty<String>
    @get:Input abstract val minSdk: Property<Int>
    @get:Input abstract val ndkVersion: Property<String>
    @get:Internal abstract val ndkDirectory: DirectoryProperty
    @get:Internal abstract val workspace: DirectoryProperty
    /** Set: copy these already built libraries instead of building (release/release.sh). */
    @get:Optional @get:InputDirectory @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val prebuilt: DirectoryProperty
    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    @TaskAction
    fun build() {
        val out = outputDir.get().asFile
        files.delete { delete(out) }
        out.mkdirs()
        if (prebuilt.isPresent) {
            files.copy {
                from(prebuilt)
                include(abis.get().map { "$it/libloyalty_ffi.so" })
                into(out)
            }
        } else {
            // cargo-ndk names the profile's directory itself; `dev` is Cargo's default profile.
            val profileArgs = if (profile.get() == "dev") emptyList() else listOf("--profile", profile.get())
            exec.exec {
                workingDir = workspace.get().asFile
                environment("ANDROID_NDK_HOME", ndkDirectory.get().asFile.path)
                commandLine(
                    listOf("cargo", "ndk") + abis.get().flatMap { listOf("-t", it) } +
                        listOf("-P", minSdk.get().toString(), "-o", out.path, "build", "-p", "loyalty-ffi") +
                        profileArgs,
                )
            }
        }
        val missing = abis.get().filterNot { File(out, "$it/libloyalty_ffi.so").isFile }
        check(missing.isEmpty()) { "no libloyalty_ffi.so for $missing in $out" }
    }
}

/**
 * The Android flavour of the Kotlin bindings (android/uniffi-android.toml: android = true) into
 * [outputDir]: a host build of the library and the pinned uniffi-bindgen (the bindings are read
 * from the host library's metadata, the same code as every ABI), then bindgen in library mode.
 * Cargo's target directory is asked from Cargo, so CARGO_TARGET_DIR is respected.
 */
abstract class UniffiBindings : DefaultTask() {
    @get:Inject abstract val exec: ExecOperations
    @get:Inject abstract val files: FileSystemOperations

    @get:InputFiles @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val sources: ConfigurableFileCollection
    @get:InputFile @get:PathSensitive(PathSensitivity.NONE)
    abstract val config: RegularFileProperty
    @get:Internal abstract val workspace: DirectoryProperty
    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    @TaskAction
    fun generate() {
        val root = workspace.get().asFile
        exec.exec {
            workingDir = root
            commandLine("cargo", "build", "-p", "loyalty-ffi", "-p", "uniffi-bindgen")
        }
        val debug = File(cargoTargetDir(exec, root), "debug")
        val os = System.getProperty("os.name")
        val hostLib = when {
            os.startsWith("Mac") -> "libloyalty_ffi.dylib"
            os.startsWith("Windows") -> "loyalty_ffi.dll"
            else -> "libloyalty_ffi.so"
        }
        val bindgen = if (os.startsWith("Windows")) "uniffi-bindgen.exe" else "uniffi-bindgen"
        val out = outputDir.get().asFile
        files.delete { delete(out) }
        exec.exec {
            workingDir = root
            commandLine(
                File(debug, bindgen).path, "generate", File(debug, hostLib).path,
                "--language", "kotlin", "--config", config.get().asFile.path,
                "--out-dir", out.path,
            )
        }
    }

    /** Cargo's target directory as Cargo resolves it (CARGO_TARGET_DIR, .cargo/config.toml). */
    private fun cargoTargetDir(exec: ExecOperations, workspace: File): File {
        val out = ByteArrayOutputStream()
        exec.exec {
            workingDir = workspace
            commandLine("cargo", "metadata", "--format-version", "1", "--no-deps", "--offline")
            standardOutput = out
        }
        val metadata = JsonSlurper().parseText(out.toString(Charsets.UTF_8)) as Map<*, *>
        return File(metadata["target_directory"] as String)
    }
}

// Per variant: debug variants build the `dev` profile (no LTO, seconds instead of minutes per
// ABI), release variants `loyalty.cargoProfile`. Both outputs are registered through the variant
// API, so Android Studio runs the bindings task when it syncs (a fresh checkout opens green) and
// Gradle wires every task that reads them.
androidComponents {
    onVariants { variant ->
        val suffix = variant.name.replaceFirstChar(Char::uppercase)
        val release = variant.buildType == "release"
        val cargo = tasks.register<CargoNdk>("cargoNdk$suffix") {
            description = "Builds libloyalty_ffi.so for ${selectedAbis.joinToString()} (${variant.name})"
            sources.from(rustSources)
            profile.set(if (release) releaseProfile else "dev")
            abis.set(selectedAbis)
            minSdk.set(minSdkLevel)
            ndkVersion.set(pinnedNdk)
            ndkDirectory.set(androidComponents.sdkComponents.ndkDirectory)
            workspace.set(repoRoot)
            prebuilt.fileProvider(prebuiltJniLibs)
        }
        variant.sources.jniLibs?.addGeneratedSourceDirectory(cargo, CargoNdk::outputDir)
        val bindings = tasks.register<UniffiBindings>("uniffiBindings$suffix") {
            description = "Generates the Android-flavour Kotlin bindings (${variant.name})"
            sources.from(rustSources)
            config.set(File(repoRoot, "android/uniffi-android.toml"))
            workspace.set(repoRoot)
        }
        variant.sources.kotlin?.addGeneratedSourceDirectory(bindings, UniffiBindings::outputDir)
    }
}

/**
 * The AAR as com.loyaltycore:loyalty-android:<version> with its POM (JNA as an AAR, coroutines,
 * AndroidX): `./gradlew :loyalty:publishReleasePublicationToMavenLocal`, or to a repository. The
 * POM release/release.sh publishes lists the same dependencies (release/lib.sh).
 */
publishing {
    publications {
        register<MavenPublication>("release") {
            artifactId = "loyalty-android"
            afterEvaluate { from(components["release"]) }
            pom {
                name.set("Loyalty Core for Android")
                description.set("Loyalty Core: the shopper's loyalty programme on the device (Rust core, uniffi bindings).")
                licenses {
                    license {
                        name.set("MPL-2.0")
                        url.set("https://www.mozilla.org/MPL/2.0/")
                    }
                }
            }
        }
    }
}
