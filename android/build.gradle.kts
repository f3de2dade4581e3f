// The plugin versions for both modules. Android Gradle plugin 8.13 (API level 36, Gradle 8.13+),
// Kotlin 2.2 (R8 of AGP 8.13.2 reads its metadata), Gradle 8.14.3 by the wrapper below.
plugins {
    id("com.android.library") version "8.13.2" apply false
    id("com.android.application") version "8.13.2" apply false
    id("org.jetbrains.kotlin.android") version "2.2.21" apply false
    id("org.jetbrains.kotlin.plugin.compose") version "2.2.21" apply false
}

// `gradle wrapper` (or `./gradlew wrapper`) rewrites gradle/wrapper/ with this version and the
// distribution's SHA-256 as published by Gradle (checked by android/wrapper-check.sh).
tasks.named<Wrapper>("wrapper") {
    gradleVersion = "8.14.3"
    distributionType = Wrapper.DistributionType.BIN
    distributionSha256Sum = "bd71102213493060956ec229d946beee57158dbd89d0e62b91bca0fa2c5f3531"
}
