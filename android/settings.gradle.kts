// Loyalty Core for Android: the library module (bindings, native libraries, facade, platform
// services) and the sample app. Open this directory in Android Studio.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "loyalty-core-android"
include(":loyalty", ":sample")
