// The sample app: every screen of the shopper app on the Kotlin facade (the screens themselves are
// shared with the desktop renderer, see android/screens). Built in Android Studio.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "com.loyaltycore.sample"
    compileSdk = 36

    defaultConfig {
        applicationId = "com.loyaltycore.sample"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "1.0"
        // The reference server on the development machine (`cargo run -p loyalty-server -- --data
        // DIR --addr 127.0.0.1:8080`), reached through `adb reverse tcp:8080 tcp:8080`: the core
        // allows plain http only to loopback. Production apps use https.
        buildConfigField("String", "SERVER_URL", "\"http://127.0.0.1:8080\"")
    }
    // The screens are shared with the desktop renderer (android/screens/render.sh): their
    // Compose code lives in android/screens/src/commonMain and is compiled into this app.
    sourceSets {
        getByName("main") {
            java.srcDir("../screens/src/commonMain/kotlin")
        }
    }
    buildFeatures {
        compose = true
        buildConfig = true
    }
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":loyalty"))
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.compose.ui:ui")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.8.7")
    implementation("androidx.appcompat:appcompat:1.7.0")
    implementation("androidx.work:work-runtime-ktx:2.10.0")
    implementation("com.google.firebase:firebase-messaging:24.1.0")
}
