// Entry point of the Kotlin binding tests: one call per test group (each defined in a *Test.kt file),
// then finish(). Add new groups as new lines here.

fun main() {
    versionTests()
    rulesTests()
    pointsTests()
    walletTests()
    receiptsTests()
    lifecycleTests()
    cardTests()
    remindersTests()
    listTests()
    syncTests()
    receiptClaimTests()
    invoiceTests()
    accountTests()
    offerTests()
    receiptProofTests()
    surveyTests()
    membershipTests()
    finish()
}
