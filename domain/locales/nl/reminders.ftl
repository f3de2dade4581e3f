## Loyalty Core herinneringen — Nederlands. Ontbreekt hier een bericht, dan wordt het Engels
## getoond.

## Datums

month-1 = januari
month-2 = februari
month-3 = maart
month-4 = april
month-5 = mei
month-6 = juni
month-7 = juli
month-8 = augustus
month-9 = september
month-10 = oktober
month-11 = november
month-12 = december
date-day-month = { $day } { $month }
date-day-month-year = { $day } { $month } { $year }

## Aanvullen

replenishment-title = Bijna op: { $product }?
replenishment-body =
    { $days_left ->
        [0] Je { $product } is waarschijnlijk vandaag op.
        [1] Je { $product } is waarschijnlijk morgen op.
       *[other] Je { $product } is waarschijnlijk over { $days_left } dagen op.
    } Zet je het op je boodschappenlijst?
usual-evidence =
    Je hebt { $product } { $shops ->
        [one] bij je laatste winkelbezoek
       *[other] bij { $bought } van je laatste { $shops } winkelbezoeken
    } gekocht, ongeveer { $interval ->
        [one] elke dag
       *[other] om de { $interval } dagen
    }.
usual-evidence-once =
    Je hebt { $product } { $shops ->
        [one] bij je laatste winkelbezoek
       *[other] bij { $bought } van je laatste { $shops } winkelbezoeken
    } gekocht.
replenishment-last =
    Je laatste aankoop was op { $date } ({ $quantity ->
        [one] { $quantity } stuk
       *[other] { $quantity } stuks
    }).

## Seizoen

seasonal-title = Weer tijd voor { $product }?
seasonal-body = Vorig jaar kocht je rond deze tijd { $product }. Heb je het weer nodig?
seasonal-body-frost = Er wordt vorst verwacht (tot { $temp } °C). Vorig jaar kocht je rond deze tijd { $product }.
seasonal-body-cold = Er wordt koud weer verwacht (tot { $temp } °C). Vorig jaar kocht je rond deze tijd { $product }.
seasonal-body-warm = Er wordt warm weer verwacht (tot { $temp } °C). Vorig jaar kocht je rond deze tijd { $product }.
seasonal-reason = Vorig jaar kocht je { $product } op { $date }, en dit seizoen nog niet.
forecast-min = De voorspelde minimumtemperatuur is { $temp } °C.
forecast-max = De voorspelde maximumtemperatuur is { $temp } °C.

## Terugroepactie (veiligheid)

recall-title = Terugroepactie: { $product }
recall-body = Een product dat je op { $date } kocht, wordt teruggeroepen: { $product }. { $instructions }
recall-body-possible = Een product dat je op { $date } kocht, valt mogelijk onder een terugroepactie: { $product }, lot { $lots }. Controleer het lotnummer op de verpakking. { $instructions }
recall-reason-lot = Je hebt op { $date } bij { $store } { $product } gekocht uit lot { $lot }, en dat lot wordt teruggeroepen. Alleen wie een teruggeroepen product kocht, krijgt dit bericht. Dat is op je eigen telefoon nagekeken.
recall-reason = Je hebt op { $date } bij { $store } { $product } gekocht, in de periode waarop de terugroepactie slaat. Alleen wie een teruggeroepen product kocht, krijgt dit bericht. Dat is op je eigen telefoon nagekeken.
recall-reason-unknown-lot = Je hebt op { $date } bij { $store } { $product } gekocht, in de periode waarop de terugroepactie slaat. Het lotnummer staat niet op je kassabon. Alleen wie mogelijk een teruggeroepen product heeft, krijgt dit bericht. Dat is op je eigen telefoon nagekeken.

## Recepten

recipe-title = Receptidee: { $recipe }
recipe-body = Je hebt al { $matched } van de { $total } ingrediënten in huis.
recipe-reason = Voorgesteld omdat je onlangs { $products } hebt gekocht ({ $matched } van de { $total } ingrediënten).

## Na de aankoop

post-purchase-reason = Je hebt op { $date } { $product } gekocht.

## Waardebonnen

voucher-expiry-title =
    { $days ->
        [0] Je waardebon verloopt vandaag
        [1] Je waardebon verloopt morgen
       *[other] Je waardebon verloopt over { $days } dagen
    }
voucher-expiry-body = Gebruik „{ $voucher }” uiterlijk op { $date }: toon hem aan de kassa of gebruik hem online.
voucher-expiry-reason = De waardebon „{ $voucher }” in je portemonnee is geldig tot { $date } en is nog niet gebruikt.
offer-expiry-title =
    { $days ->
        [0] Je aanbieding loopt vandaag af
        [1] Je aanbieding loopt morgen af
       *[other] Je aanbieding loopt over { $days } dagen af
    }
offer-expiry-body = „{ $offer }” geldt aan de kassa tot { $date }: scan gewoon je kaart.
offer-expiry-reason = De winkel gaf je de aanbieding „{ $offer }”; ze geldt tot { $date } en is nog niet gebruikt.

## Status

tier-progress-title =
    { $points ->
        [one] Nog maar { $points } punt tot { $tier }
       *[other] Nog maar { $points } punten tot { $tier }
    }
tier-progress-body =
    Spaar nog { $points ->
        [one] { $points } punt
       *[other] { $points } punten
    } om van { $current } naar { $tier } te gaan.
tier-progress-reason =
    Je spaarde sinds { $date } { $qualifying ->
        [one] { $qualifying } punt dat meetelt
       *[other] { $qualifying } punten die meetellen
    }, met de status { $current }.

## Levenscyclus

welcome-title = Welkom bij ons klantenprogramma!
welcome-body = Toon je kaart aan de kassa om punten te sparen, en vind je waardebonnen in je portemonnee.
welcome-reason = Je werd lid van ons klantenprogramma op { $date }.
second-purchase-title = Bedankt voor je eerste bezoek
second-purchase-body =
    Je eerste aankoop was { $days ->
        [one] { $days } dag
       *[other] { $days } dagen
    } geleden. Bekijk de aanbiedingen van deze week.
second-purchase-reason = Je deed je eerste aankoop met je kaart op { $date }.
win-back-title = We missen je
win-back-body =
    Je laatste bezoek was { $days ->
        [one] { $days } dag
       *[other] { $days } dagen
    } geleden. Kijk wat er nieuw is.
win-back-reason = Je laatste aankoop met je kaart was op { $date }.
survey-title = Hoe was je bezoek?
survey-body = Vertel ons over je bezoek aan { $store } op { $date }. Het duurt maar een minuut.
survey-reason = Je deed onlangs je tweede aankoop bij ons, op { $date }.

## Ledenevenementen

event-title = Je bent uitgenodigd: { $event }
event-body =
    { $event } op { $date } om { $time }, { $location }. { $days ->
        [0] Het is vandaag!
        [1] Het is morgen!
       *[other] Tot over { $days } dagen!
    }
event-body-no-location =
    { $event } op { $date } om { $time }. { $days ->
        [0] Het is vandaag!
        [1] Het is morgen!
       *[other] Tot over { $days } dagen!
    }
event-reason-tier =
    Je bent uitgenodigd met de status { $tier }, omdat je de afgelopen { $days } dagen { $count ->
        [one] één keer
       *[other] { $count } keer
    } bij ons winkelde.
event-reason =
    Je bent uitgenodigd omdat je de afgelopen { $days } dagen { $count ->
        [one] één keer
       *[other] { $count } keer
    } bij ons winkelde.
event-voucher-reason = Er zit een uitnodiging voor { $event } in je portemonnee.

## Pushberichten

push-reason-marketing = Je krijgt dit omdat je ingestemd hebt met aanbiedingen en nieuws van ons.
push-reason-service = Je krijgt dit servicebericht omdat je lid bent van ons klantenprogramma.

## Synchronisatiemeldingen (in de app na een synchronisatie)

sync-voucher-used-elsewhere = Je bon „{ $voucher }” was al gebruikt op een ander apparaat van je huishouden en is hier dus niet opnieuw gebruikt. Hij staat nu ook op dit apparaat als gebruikt.
sync-voucher-refused = Je bon „{ $voucher }” kon niet worden gebruikt: de winkel accepteert hem niet meer (misschien is hij verlopen of ingetrokken).
sync-offer-not-activated = Je aanbieding is toch niet geactiveerd. { $reason }
sync-invoice-other-company = Je factuur kon niet worden opgemaakt: voor dit aankoopbewijs is al een factuur op naam van een ander bedrijf gemaakt. Vraag het aan de klantenservice van de winkel.
sync-invoice-unknown-receipt = Je factuur kon niet worden opgemaakt: we vinden dit aankoopbewijs niet terug in je account.
sync-invoice-invalid-company = Je factuur kon niet worden opgemaakt: de winkel accepteerde de bedrijfsgegevens niet. Controleer de naam, het adres en het btw-nummer en vraag de factuur opnieuw aan.

## Boodschappenlijst

list-offer-action = Op boodschappenlijst zetten

## Aankoopbewijzen claimen (een aankoop zonder kaart)

claim-refused-malformed = Dit is geen code van een aankoopbewijs. Scan de QR-code op je aankoopbewijs of op het scherm van de kassa.
claim-refused-other-retailer = Dit aankoopbewijs komt van een andere winkelketen en kan hier niet worden toegevoegd.
claim-refused-not-genuine = Deze code is niet geldig: ze is gewijzigd of komt niet van ons.
claim-refused-not-yet-valid = Deze code draagt een datum in de toekomst. Controleer de datum en de tijd op je telefoon.
claim-refused-expired = Deze code is verlopen: punten toevoegen kan alleen tot de datum op het aankoopbewijs.
claim-refused-already-claimed = Dit aankoopbewijs is al aan een klantenkaart toegevoegd. De punten kunnen maar één keer worden gespaard.
claim-refused-unknown = We vinden dit aankoopbewijs niet terug. Vraag het aan de klantenservice van de winkel.
claim-pending = Wordt toegevoegd: je punten komen bij de volgende synchronisatie.
claim-credited = Toegevoegd aan je kaart.
## Persoonlijke aanbiedingen
offer-refused-unknown = We vinden deze aanbieding niet terug. Vernieuw de lijst met aanbiedingen.
offer-refused-not-yours = Deze persoonlijke aanbieding is voor iemand anders bedoeld.
offer-refused-expired = Deze aanbieding is afgelopen en kan niet meer worden geactiveerd.
offer-refused-already-used = Je hebt deze aanbieding al gebruikt. Ze geldt maar één keer.
offer-state-available = Activeer deze aanbieding om ze aan de kassa te krijgen.
offer-state-activated = Geactiveerd: je krijgt ze aan de kassa zodra je kaart gescand is.
offer-state-used = Gebruikt
## Account verwijderen en exporteren (getoond door de apps; `accountText` in de bindings)
account-delete-title = Je account verwijderen?
account-delete-body = Je kaart, punten, bonnen en kassabonnen worden gewist van de servers van de winkel en van deze telefoon. Punten die je nog niet gebruikte, gaan verloren. Dit kan niet ongedaan worden gemaakt.
account-delete-confirm = Mijn account verwijderen
account-delete-cancel = Mijn account houden
account-delete-pending = Je vraag om je account te verwijderen is bewaard. Ze wordt verstuurd zodra je online bent; tot de winkel bevestigt, blijven je gegevens op deze telefoon.
account-deleted = Je account en je gegevens zijn verwijderd.
account-export-title = Je gegevens downloaden
account-export-body = Een bestand met alles wat de winkel over je bewaart: je kaart, punten, bonnen en kassabonnen. Je moet online zijn.

## In de winkel (met toestemming voor locatie)

in-store-title = Welkom in { $store }: je kaart staat klaar
in-store-body-list =
    { $items ->
        [one] Er staat { $items } product op je boodschappenlijst.
       *[other] Er staan { $items } producten op je boodschappenlijst.
    }
in-store-body-offers =
    { $count ->
        [one] Je geactiveerde aanbieding geldt hier: { $first }.
       *[other] { $count } geactiveerde aanbiedingen gelden hier, zoals { $first }.
    }
in-store-body-card = Scan je kaart aan de kassa om punten te sparen.
in-store-reason = Je hebt meldingen in de winkel toegestaan en je telefoon kwam om { $time } aan in { $store }.

## Bewijs van één lijn van een aankoopbewijs, gescand aan de kassa of de klantendienst
proof-refused-malformed = Dit is geen code van een aankoopbewijs voor één artikel. Vraag de klant om in de app het bewijs van het artikel op het aankoopbewijs te tonen.
proof-refused-other-retailer = Dit aankoopbewijs komt van een andere winkelketen en kan hier niet worden geaccepteerd.
proof-refused-not-genuine = Dit aankoopbewijs is niet geldig: het is gewijzigd of komt niet van ons.

## Enquêtes en stemmingen: waarom een antwoord niet werd meegeteld
survey-refused-unknown = Deze enquête is niet meer beschikbaar.
survey-refused-not-open = Deze enquête is nog niet begonnen. Probeer het later opnieuw.
survey-refused-closed = Deze enquête is afgelopen. Bedankt dat je wilde meedoen.
survey-refused-not-eligible = Deze enquête is voor leden die al minstens twee keer bij ons hebben gekocht.
survey-refused-already-answered = Je hebt deze enquête al beantwoord. Bedankt!

## Puntengeschiedenis: wat een regel zegt
ledger-purchase = Aankoop in { $store }
ledger-offer-points = Extra punten: { $offer }

## Premiumlidmaatschap
membership-upcoming = Je { $plan }-lidmaatschap begint op { $date }.
membership-renews = { $plan }-lid. Wordt verlengd op { $date }.
membership-ends = { $plan }-lid tot { $date }.
membership-ended = Je { $plan }-lidmaatschap is afgelopen op { $date }.
membership-renewal-title = Je { $plan }-lidmaatschap loopt binnenkort af
membership-renewal-body = Je voordelen stoppen op { $date }. Verleng in de app om ze te houden.
membership-renewal-reason = Je { $plan }-lidmaatschap wordt niet vanzelf verlengd en loopt af op { $date }.
