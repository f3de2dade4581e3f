// The Android library: the generated Kotlin bindings (Android flavour), the native library per
// ABI (cargo-ndk), the Kotlin facade and the platform services. Built in Android Studio.
//
// Needs on the build machine: Rust with the Android targets
//   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
// cargo-ndk (`cargo install cargo-ndk`), and the NDK (ANDROID_NDK_HOME, or installed by the SDK
// manager: cargo-ndk finds it under ANDROID_HOME/ndk).
import org.gradle.api.tasks.Exec

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    `maven-publish`
}

val repoRoot: File = rootDir.parentFile
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val jniOut = layout.buildDirectory.dir("rust/jniLibs")
val bindingsOut = layout.buildDirectory.dir("generated/uniffi")
// The release version: [workspace.package] version of the workspace Cargo.toml (one version for
// the crates, the AAR and the XCFramework; tags v<version>, see CHANGELOG.md).
val workspaceVersion: String = Regex("""(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)"""")
    .find(File(repoRoot, "Cargo.toml").readText())?.groupValues?.get(1)
    ?: error("no [workspace.package] version in ${File(repoRoot, "Cargo.toml")}")
group = "com.loyaltycore"
version = workspaceVersion
// mobile-release: opt-level z, LTO, panic = unwind (a Rust panic reaches Kotlin as an exception).
val cargoProfile = providers.gradleProperty("loyalty.cargoProfile").getOrElse("mobile-release")

android {
    namespace = "com.loyaltycore"
    compileSdk = 35
    ndkVersion = "27.2.12479018"

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }
    sourceSets["main"].apply {
        kotlin.srcDir(bindingsOut)
        jniLibs.srcDir(jniOut)
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

/** The native library for every ABI, with cargo-ndk, into build/rust/jniLibs/<abi>/. */
val cargoNdk by tasks.registering(Exec::class) {
    description = "Builds libloyalty_ffi.so for ${abis.joinToString()} with cargo-ndk"
    workingDir = repoRoot
    inputs.files(fileTree(repoRoot) { include("core/src/**", "bindings/src/**", "**/Cargo.toml", "Cargo.lock") })
    outputs.dir(jniOut)
    commandLine(
        listOf("cargo", "ndk") + abis.flatMap { listOf("-t", it) } +
            listOf("-P", "26", "-o", jniOut.get().asFile.path, "build", "-p", "loyalty-ffi", "--profile", cargoProfile),
    )
}

/** A host build of the library and the pinned uniffi-bindgen: bindings are read from its metadata. */
val cargoHost by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine("cargo", "build", "-p", "loyalty-ffi", "-p", "uniffi-bindgen")
}

/** The Android flavour of the Kotlin bindings (android/uniffi-android.toml: android = true). */
val generateBindings by tasks.registering(Exec::class) {
    description = "Generates the Android-flavour Kotlin bindings"
    dependsOn(cargoHost)
    workingDir = repoRoot
    inputs.file(File(repoRoot, "android/uniffi-android.toml"))
    inputs.files(fileTree(repoRoot) { include("bindings/src/**") })
    outputs.dir(bindingsOut)
    doFirst { delete(bindingsOut) }
    val hostLib = if (System.getProperty("os.name").startsWith("Mac")) "libloyalty_ffi.dylib" else "libloyalty_ffi.so"
    commandLine(
        "target/debug/uniffi-bindgen", "generate", "target/debug/$hostLib",
        "--language", "kotlin", "--config", "android/uniffi-android.toml",
        "--out-dir", bindingsOut.get().asFile.path,
    )
}

tasks.named("preBuild") { dependsOn(cargoNdk, generateBindings) }

/**
 * The AAR as com.loyaltycore:loyalty-android:<version> with its POM (JNA as an AAR, coroutines,
 * AndroidX): `gradle :loyalty:publishReleasePublicationToMavenLocal`, or to a repository. The
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
