## Loyalty Core reminders — English. English is the fallback for every other language and for
## any message a translation lacks.
## Numbers ($days, $count, ...) are integers and select CLDR plural forms. $date, $time, $temp,
## $lots, $products, $instructions and names arrive already formatted by the engine.

## Dates

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
date-day-month = { $day } { $month }
date-day-month-year = { $day } { $month } { $year }

## Replenishment

replenishment-title = Running low on { $product }?
replenishment-body =
    { $days_left ->
        [0] Your { $product } is probably running out today.
        [1] Your { $product } will probably run out tomorrow.
       *[other] Your { $product } will probably run out in { $days_left } days.
    } Add it to your shopping list?
usual-evidence =
    You bought { $product } on { $shops ->
        [one] your last shop
       *[other] { $bought } of your last { $shops } shops
    }, about every { $interval ->
        [one] day
       *[other] { $interval } days
    }.
usual-evidence-once =
    You bought { $product } on { $shops ->
        [one] your last shop
       *[other] { $bought } of your last { $shops } shops
    }.
replenishment-last =
    Your last purchase was on { $date } ({ $quantity ->
        [one] { $quantity } unit
       *[other] { $quantity } units
    }).

## Seasonal

seasonal-title = Time for { $product } again?
seasonal-body = Last year you bought { $product } around this time. Need it again?
seasonal-body-frost = Frost is forecast (down to { $temp } °C). Last year you bought { $product } around this time.
seasonal-body-cold = Cold weather is forecast (down to { $temp } °C). Last year you bought { $product } around this time.
seasonal-body-warm = Warm weather is forecast (up to { $temp } °C). Last year you bought { $product } around this time.
seasonal-reason = Last year you bought { $product } on { $date }, and you have not bought it yet this season.
forecast-min = The forecast minimum is { $temp } °C.
forecast-max = The forecast maximum is { $temp } °C.

## Recall (safety)

recall-title = Product recall: { $product }
recall-body = A product you bought on { $date } is being recalled: { $product }. { $instructions }
recall-body-possible = A product you bought on { $date } may be affected by a recall: { $product }, lot { $lots }. Check the lot number on the package. { $instructions }
recall-reason-lot = You bought { $product } (lot { $lot }) at { $store } on { $date }, within the recall. Only shoppers who bought an affected product get this alert; the match was made on your phone.
recall-reason = You bought { $product } at { $store } on { $date }, within the recall period. Only shoppers who bought an affected product get this alert; the match was made on your phone.
recall-reason-unknown-lot = You bought { $product } at { $store } on { $date }, within the recall period; your receipt does not show the lot. Only shoppers who may have an affected product get this alert; the match was made on your phone.

## Recipes

recipe-title = Recipe idea: { $recipe }
recipe-body = You already have { $matched } of the { $total } ingredients.
recipe-reason = Suggested because you recently bought { $products } ({ $matched } of { $total } ingredients).

## Post-purchase content

post-purchase-reason = You bought { $product } on { $date }.

## Vouchers

voucher-expiry-title =
    { $days ->
        [0] Your voucher expires today
        [1] Your voucher expires tomorrow
       *[other] Your voucher expires in { $days } days
    }
voucher-expiry-body = Use “{ $voucher }” by { $date }: show it at the till or use it online.
voucher-expiry-reason = The voucher “{ $voucher }” in your wallet is valid until { $date } and has not been used yet.
offer-expiry-title =
    { $days ->
        [0] Your offer ends today
        [1] Your offer ends tomorrow
       *[other] Your offer ends in { $days } days
    }
offer-expiry-body = “{ $offer }” applies at the till until { $date }: just scan your card.
offer-expiry-reason = The shop gave you the offer “{ $offer }”; it is valid until { $date } and has not been used yet.

## Tier progress

tier-progress-title =
    { $points ->
        [one] Only { $points } point to { $tier }
       *[other] Only { $points } points to { $tier }
    }
tier-progress-body =
    Earn { $points ->
        [one] { $points } more point
       *[other] { $points } more points
    } to move up from { $current } to { $tier }.
tier-progress-reason =
    You have collected { $qualifying ->
        [one] { $qualifying } qualifying point
       *[other] { $qualifying } qualifying points
    } since { $date } as a { $current } member.

## Lifecycle

welcome-title = Welcome to the loyalty programme!
welcome-body = Show your card at the till to collect points, and find your vouchers in the wallet.
welcome-reason = You joined the loyalty programme on { $date }.
second-purchase-title = Thanks for your first visit
second-purchase-body =
    Your first purchase was { $days ->
        [one] { $days } day
       *[other] { $days } days
    } ago. See what is on offer this week.
second-purchase-reason = You made your first purchase with your card on { $date }.
win-back-title = We miss you
win-back-body =
    Your last visit was { $days ->
        [one] { $days } day
       *[other] { $days } days
    } ago. See what is new.
win-back-reason = Your last purchase with your card was on { $date }.
survey-title = How did we do?
survey-body = Tell us about your visit to { $store } on { $date }. It takes a minute.
survey-reason = You recently made your second purchase with us, on { $date }.

## Member events

event-title = You are invited: { $event }
event-body =
    { $event } on { $date } at { $time }, { $location }. { $days ->
        [0] It is today!
        [1] It is tomorrow!
       *[other] See you in { $days } days!
    }
event-body-no-location =
    { $event } on { $date } at { $time }. { $days ->
        [0] It is today!
        [1] It is tomorrow!
       *[other] See you in { $days } days!
    }
event-reason-tier =
    You are invited as a { $tier } member who shopped with us { $count ->
        [one] once
       *[other] { $count } times
    } in the last { $days } days.
event-reason =
    You are invited because you shopped with us { $count ->
        [one] once
       *[other] { $count } times
    } in the last { $days } days.
event-voucher-reason = You have an invitation to { $event } in your wallet.

## Push messages

push-reason-marketing = You get this because you agreed to receive offers and news from us.
push-reason-service = You get this service message because you are a member of our loyalty programme.


## In a store (with location consent)

in-store-title = Welcome to { $store }: your card is ready
in-store-body-list =
    { $items ->
        [one] { $items } item is on your shopping list.
       *[other] { $items } items are on your shopping list.
    }
in-store-body-offers =
    { $count ->
        [one] Your activated offer applies here: { $first }.
       *[other] { $count } activated offers apply here, such as { $first }.
    }
in-store-body-card = Show your card at the till to collect your points.
in-store-reason = You allowed in-store notifications, and your phone arrived at { $store } at { $time }.

## Sync notices (shown in the app after a sync)

sync-voucher-used-elsewhere = Your voucher “{ $voucher }” had already been used on another device of your household, so it was not used again here. It now shows as used on this device too.
sync-voucher-refused = Your voucher “{ $voucher }” could not be used: the shop no longer accepts it (it may have expired or been withdrawn).
sync-offer-not-activated = Your offer could not be activated after all. { $reason }
sync-invoice-other-company = Your invoice could not be made: this receipt has already been invoiced to another company. Ask at the shop's customer service.
sync-invoice-unknown-receipt = Your invoice could not be made: we cannot find this receipt in your account.
sync-invoice-invalid-company = Your invoice could not be made: the shop did not accept the company details. Check the name, address and VAT number, then ask again.

## Shopping list

list-offer-action = Add to shopping list

## Receipt claim codes (a purchase made without the card)

claim-refused-malformed = This is not a receipt code. Scan the QR code on your receipt or on the till screen.
claim-refused-other-retailer = This receipt is from another shop, so it cannot be added here.
claim-refused-not-genuine = This receipt code is not valid: it was changed or was not made by us.
claim-refused-not-yet-valid = This receipt code is dated in the future. Check the date and time on your phone.
claim-refused-expired = This receipt code has expired: points can only be added until the date on the receipt.
claim-refused-already-claimed = This receipt has already been added to a loyalty card. Its points can only be collected once.
claim-refused-unknown = We cannot find this receipt. Ask at the shop's customer service.
claim-pending = Waiting to be added: your points arrive at the next sync.
claim-credited = Added to your card.
## Personal offers
offer-refused-unknown = We cannot find this offer. Refresh the list of offers.
offer-refused-not-yours = This personal offer is meant for someone else.
offer-refused-expired = This offer has ended and can no longer be activated.
offer-refused-already-used = You have already used this offer. It can only be used once.
offer-state-available = Activate this offer to get it at the till.
offer-state-activated = Activated: you get it at the till as soon as your card is scanned.
offer-state-used = Used
## Account deletion and export (shown by the apps; `accountText` in the bindings)
account-delete-title = Delete your account?
account-delete-body = Your card, points, vouchers and receipts will be erased from the shop’s servers and from this phone. Points you have not used are lost. This cannot be undone.
account-delete-confirm = Delete my account
account-delete-cancel = Keep my account
account-delete-pending = Your request to delete your account is saved. It is sent as soon as you are online; until the shop confirms, your data stays on this phone.
account-deleted = Your account and its data have been deleted.
account-export-title = Download your data
account-export-body = A file with everything the shop keeps about you: your card, points, vouchers and receipts. You need to be online.

## A receipt line proof scanned at the till or the service desk
proof-refused-malformed = This is not a proof of purchase code. Ask the customer to show the proof of the item from the receipt in the app.
proof-refused-other-retailer = This proof of purchase is from another shop, so it cannot be accepted here.
proof-refused-not-genuine = This proof of purchase is not valid: it was changed or was not issued by us.

## Surveys and votes: why an answer was not taken
survey-refused-unknown = This survey is no longer available.
survey-refused-not-open = This survey has not started yet. Try again later.
survey-refused-closed = This survey has closed. Thank you for wanting to take part.
survey-refused-not-eligible = This survey is for members who have shopped with us at least twice.
survey-refused-already-answered = You have already answered this survey. Thank you!

## Points history: what a ledger entry says
ledger-purchase = Purchase at { $store }
ledger-offer-points = Extra points: { $offer }

## Premium membership
membership-upcoming = Your { $plan } membership starts on { $date }.
membership-renews = { $plan } member. Renews on { $date }.
membership-ends = { $plan } member until { $date }.
membership-ended = Your { $plan } membership ended on { $date }.
membership-renewal-title = Your { $plan } membership ends soon
membership-renewal-body = Your benefits stop on { $date }. Renew in the app to keep them.
membership-renewal-reason = Your { $plan } membership does not renew by itself and ends on { $date }.
