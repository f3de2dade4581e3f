## Loyalty Core herinneringen — Belgisch Nederlands (nl-BE). Alleen de berichten die in
## Vlaanderen anders klinken dan in domain/locales/nl/reminders.ftl: kasticket (kassabon),
## portefeuille (portemonnee), toestel (apparaat), klantendienst (klantenservice), aanvaarden
## (accepteren). Al het andere komt uit het Nederlandse bestand.

recall-reason-unknown-lot = Je hebt op { $date } bij { $store } { $product } gekocht, in de periode waarop de terugroepactie slaat. Het lotnummer staat niet op je kasticket. Alleen wie mogelijk een teruggeroepen product heeft, krijgt dit bericht. Dat is op je eigen telefoon nagekeken.
voucher-expiry-reason = De waardebon „{ $voucher }” in je portefeuille is geldig tot { $date } en is nog niet gebruikt.
welcome-body = Toon je kaart aan de kassa om punten te sparen, en vind je waardebonnen in je portefeuille.
event-voucher-reason = Er zit een uitnodiging voor { $event } in je portefeuille.
sync-voucher-used-elsewhere = Je bon „{ $voucher }” was al gebruikt op een ander toestel van je huishouden en is hier dus niet opnieuw gebruikt. Hij staat nu ook op dit toestel als gebruikt.
sync-voucher-refused = Je bon „{ $voucher }” kon niet worden gebruikt: de winkel aanvaardt hem niet meer (misschien is hij verlopen of ingetrokken).
sync-invoice-other-company = Je factuur kon niet worden opgemaakt: voor dit aankoopbewijs is al een factuur op naam van een ander bedrijf gemaakt. Vraag het aan de klantendienst van de winkel.
claim-refused-unknown = We vinden dit aankoopbewijs niet terug. Vraag het aan de klantendienst van de winkel.
sync-invoice-invalid-company = Je factuur kon niet worden opgemaakt: de winkel aanvaardde de bedrijfsgegevens niet. Kijk de naam, het adres en het btw-nummer na en vraag de factuur opnieuw aan.
account-delete-body = Je kaart, punten, bonnen en kastickets worden gewist van de servers van de winkel en van deze telefoon. Punten die je nog niet gebruikte, gaan verloren. Dit kan niet ongedaan worden gemaakt.
account-export-body = Een bestand met alles wat de winkel over je bewaart: je kaart, punten, bonnen en kastickets. Je moet online zijn.
proof-refused-other-retailer = Dit aankoopbewijs komt van een andere winkelketen en kan hier niet worden aanvaard.
