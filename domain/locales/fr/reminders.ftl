## Loyalty Core rappels — français. Un message absent d'ici est affiché en anglais.

## Dates

month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
date-day-month =
    { $day ->
        [1] 1er
       *[other] { $day }
    } { $month }
date-day-month-year =
    { $day ->
        [1] 1er
       *[other] { $day }
    } { $month } { $year }

## Réassort

replenishment-title = Bientôt à court de { $product } ?
replenishment-body =
    { $days_left ->
        [0] Vous serez probablement à court de { $product } aujourd'hui.
        [1] Vous serez probablement à court de { $product } demain.
       *[other] Vous serez probablement à court de { $product } dans { $days_left } jours.
    } L'ajouter à votre liste de courses ?
usual-evidence =
    Vous avez acheté « { $product } » { $shops ->
        [one] lors de votre dernier passage en magasin
       *[other] lors de { $bought } de vos { $shops } derniers passages en magasin
    }, environ { $interval ->
        [one] tous les jours
       *[other] tous les { $interval } jours
    }.
usual-evidence-once =
    Vous avez acheté « { $product } » { $shops ->
        [one] lors de votre dernier passage en magasin
       *[other] lors de { $bought } de vos { $shops } derniers passages en magasin
    }.
replenishment-last = Votre dernier achat date du { $date } (quantité : { $quantity }).

## Saison

seasonal-title = { $product } : c'est à nouveau le moment ?
seasonal-body = L'an dernier, vous avez acheté « { $product } » à cette période. En avez-vous à nouveau besoin ?
seasonal-body-frost = Du gel est annoncé (jusqu'à { $temp } °C). L'an dernier, vous avez acheté « { $product } » à cette période.
seasonal-body-cold = Du froid est annoncé (jusqu'à { $temp } °C). L'an dernier, vous avez acheté « { $product } » à cette période.
seasonal-body-warm = De la chaleur est annoncée (jusqu'à { $temp } °C). L'an dernier, vous avez acheté « { $product } » à cette période.
seasonal-reason = L'an dernier, vous avez acheté « { $product } » le { $date }, et pas encore cette saison.
forecast-min = La température minimale prévue est de { $temp } °C.
forecast-max = La température maximale prévue est de { $temp } °C.

## Rappel de produit (sécurité)

recall-title = Rappel de produit : { $product }
recall-body = Un produit que vous avez acheté le { $date } fait l'objet d'un rappel : { $product }. { $instructions }
recall-body-possible = Un produit que vous avez acheté le { $date } est peut-être concerné par un rappel : { $product }, lot { $lots }. Vérifiez le numéro de lot sur l'emballage. { $instructions }
recall-reason-lot = Vous avez acheté « { $product } » (lot { $lot }) chez { $store } le { $date }, dans le cadre du rappel. Seuls les clients ayant acheté un produit concerné reçoivent cette alerte ; la vérification a été faite sur votre téléphone.
recall-reason = Vous avez acheté « { $product } » chez { $store } le { $date }, pendant la période du rappel. Seuls les clients ayant acheté un produit concerné reçoivent cette alerte ; la vérification a été faite sur votre téléphone.
recall-reason-unknown-lot = Vous avez acheté « { $product } » chez { $store } le { $date }, pendant la période du rappel ; votre ticket n'indique pas le lot. Seuls les clients pouvant avoir un produit concerné reçoivent cette alerte ; la vérification a été faite sur votre téléphone.

## Recettes

recipe-title = Idée recette : { $recipe }
recipe-body =
    Vous avez déjà { $matched ->
        [one] { $matched } ingrédient
       *[other] { $matched } ingrédients
    } sur { $total }.
recipe-reason =
    Proposé parce que vous avez récemment acheté ces ingrédients : { $products } ({ $matched ->
        [one] { $matched } ingrédient
       *[other] { $matched } ingrédients
    } sur { $total }).

## Après l'achat

post-purchase-reason = Vous avez acheté « { $product } » le { $date }.

## Bons

voucher-expiry-title =
    { $days ->
        [0] Votre bon expire aujourd'hui
        [1] Votre bon expire demain
       *[other] Votre bon expire dans { $days } jours
    }
voucher-expiry-body = Utilisez « { $voucher } » au plus tard le { $date } : présentez-le en caisse ou utilisez-le en ligne.
voucher-expiry-reason = Le bon « { $voucher } » de votre portefeuille est valable jusqu'au { $date } et n'a pas encore été utilisé.
offer-expiry-title =
    { $days ->
        [0] Votre offre se termine aujourd'hui
        [1] Votre offre se termine demain
       *[other] Votre offre se termine dans { $days } jours
    }
offer-expiry-body = « { $offer } » s'applique en caisse jusqu'au { $date } : il suffit de scanner votre carte.
offer-expiry-reason = Le magasin vous a offert « { $offer } » ; l'offre est valable jusqu'au { $date } et n'a pas encore été utilisée.

## Statut

tier-progress-title =
    { $points ->
        [one] Encore { $points } point avant le statut { $tier }
       *[other] Encore { $points } points avant le statut { $tier }
    }
tier-progress-body =
    Gagnez encore { $points ->
        [one] { $points } point
       *[other] { $points } points
    } pour passer du statut { $current } au statut { $tier }.
tier-progress-reason =
    Vous avez cumulé { $qualifying ->
        [one] { $qualifying } point qualifiant
       *[other] { $qualifying } points qualifiants
    } depuis le { $date } avec le statut { $current }.

## Cycle de vie

welcome-title = Bienvenue dans notre programme de fidélité !
welcome-body = Présentez votre carte en caisse pour cumuler des points, et retrouvez vos bons dans votre portefeuille.
welcome-reason = Vous avez rejoint notre programme de fidélité le { $date }.
second-purchase-title = Merci pour votre première visite
second-purchase-body =
    Votre premier achat date d'il y a { $days ->
        [one] { $days } jour
       *[other] { $days } jours
    }. Découvrez les offres de la semaine.
second-purchase-reason = Vous avez fait votre premier achat avec votre carte le { $date }.
win-back-title = Vous nous manquez
win-back-body =
    Votre dernière visite date d'il y a { $days ->
        [one] { $days } jour
       *[other] { $days } jours
    }. Découvrez les nouveautés.
win-back-reason = Votre dernier achat avec votre carte date du { $date }.
survey-title = Votre avis compte
survey-body = Parlez-nous de votre visite à { $store } le { $date }. Cela ne prend qu'une minute.
survey-reason = Vous avez récemment fait votre deuxième achat chez nous, le { $date }.

## Événements membres

event-title = Vous êtes invité : { $event }
event-body =
    { $event } le { $date } à { $time }, { $location }. { $days ->
        [0] C'est aujourd'hui !
        [1] C'est demain !
       *[other] Rendez-vous dans { $days } jours !
    }
event-body-no-location =
    { $event } le { $date } à { $time }. { $days ->
        [0] C'est aujourd'hui !
        [1] C'est demain !
       *[other] Rendez-vous dans { $days } jours !
    }
event-reason-tier =
    Vous êtes invité avec le statut { $tier }, après { $count ->
        [one] { $count } achat
       *[other] { $count } achats
    } chez nous au cours des { $days } derniers jours.
event-reason =
    Vous êtes invité, car vous avez fait { $count ->
        [one] { $count } achat
       *[other] { $count } achats
    } chez nous au cours des { $days } derniers jours.
event-voucher-reason = Votre portefeuille contient une invitation : « { $event } ».

## Messages push

push-reason-marketing = Vous recevez ce message, car vous avez accepté de recevoir nos offres et actualités.
push-reason-service = Vous recevez ce message de service, car vous êtes membre de notre programme de fidélité.

## Avis de synchronisation (affichés dans l’app après une synchronisation)

sync-voucher-used-elsewhere = Votre bon « { $voucher } » avait déjà été utilisé sur un autre appareil de votre ménage : il n’a donc pas été utilisé une deuxième fois ici. Il apparaît désormais comme utilisé sur cet appareil aussi.
sync-voucher-refused = Votre bon « { $voucher } » n’a pas pu être utilisé : le magasin ne l’accepte plus (il a peut-être expiré ou été retiré).
sync-offer-not-activated = Votre offre n’a finalement pas pu être activée. { $reason }
sync-invoice-other-company = Votre facture n’a pas pu être établie : ce ticket a déjà été facturé à une autre société. Adressez-vous au service clientèle du magasin.
sync-invoice-unknown-receipt = Votre facture n’a pas pu être établie : nous ne retrouvons pas ce ticket dans votre compte.
sync-invoice-invalid-company = Votre facture n’a pas pu être établie : le magasin n’a pas accepté les coordonnées de la société. Vérifiez le nom, l’adresse et le numéro de TVA, puis refaites la demande.

## Liste de courses

list-offer-action = Ajouter à la liste de courses

## Tickets à ajouter (un achat sans la carte)

claim-refused-malformed = Ce n’est pas un code de ticket de caisse. Scannez le code QR de votre ticket ou de l’écran de la caisse.
claim-refused-other-retailer = Ce ticket provient d’une autre enseigne : il ne peut pas être ajouté ici.
claim-refused-not-genuine = Ce code n’est pas valable : il a été modifié ou n’a pas été émis par nous.
claim-refused-not-yet-valid = Ce code porte une date future. Vérifiez la date et l’heure de votre téléphone.
claim-refused-expired = Ce code a expiré : les points peuvent être ajoutés jusqu’à la date indiquée sur le ticket.
claim-refused-already-claimed = Ce ticket a déjà été ajouté à une carte de fidélité. Ses points ne peuvent être crédités qu’une seule fois.
claim-refused-unknown = Nous ne retrouvons pas ce ticket. Adressez-vous au service clientèle du magasin.
claim-pending = En cours d’ajout : vos points arriveront à la prochaine synchronisation.
claim-credited = Ajouté à votre carte.
## Offres personnelles
offer-refused-unknown = Nous ne retrouvons pas cette offre. Actualisez la liste des offres.
offer-refused-not-yours = Cette offre personnelle est destinée à quelqu’un d’autre.
offer-refused-expired = Cette offre est terminée : elle ne peut plus être activée.
offer-refused-already-used = Vous avez déjà utilisé cette offre. Elle n’est valable qu’une seule fois.
offer-state-available = Activez cette offre pour en profiter en caisse.
offer-state-activated = Activée : vous en profitez en caisse dès que votre carte est scannée.
offer-state-used = Utilisée
## Suppression et export du compte (affichés par les apps ; `accountText` dans les bindings)
account-delete-title = Supprimer votre compte ?
account-delete-body = Votre carte, vos points, vos bons et vos tickets seront effacés des serveurs du magasin et de ce téléphone. Les points non utilisés seront perdus. Cette action est définitive.
account-delete-confirm = Supprimer mon compte
account-delete-cancel = Garder mon compte
account-delete-pending = Votre demande de suppression est enregistrée. Elle sera envoyée dès que vous serez en ligne ; vos données restent sur ce téléphone jusqu’à la confirmation du magasin.
account-deleted = Votre compte et ses données ont été supprimés.
account-export-title = Télécharger vos données
account-export-body = Un fichier avec tout ce que le magasin conserve à votre sujet : votre carte, vos points, vos bons et vos tickets. Une connexion est nécessaire.

## En magasin (avec l’autorisation de localisation)

in-store-title = Bienvenue chez { $store } : votre carte est prête
in-store-body-list =
    { $items ->
        [one] Votre liste de courses compte { $items } article.
       *[other] Votre liste de courses compte { $items } articles.
    }
in-store-body-offers =
    { $count ->
        [one] Votre offre activée s’applique ici : { $first }.
       *[other] Vos { $count } offres activées s’appliquent ici, dont { $first }.
    }
in-store-body-card = Présentez votre carte à la caisse pour cumuler vos points.
in-store-reason = Vous avez autorisé les notifications en magasin, et votre téléphone est arrivé chez { $store } à { $time }.

## Preuve d’une ligne de ticket scannée en caisse ou à l’accueil
proof-refused-malformed = Ce n’est pas un code de preuve d’achat. Demandez au client d’afficher dans l’app la preuve de l’article depuis son ticket.
proof-refused-other-retailer = Cette preuve d’achat provient d’une autre enseigne : elle ne peut pas être acceptée ici.
proof-refused-not-genuine = Cette preuve d’achat n’est pas valable : elle a été modifiée ou n’a pas été émise par nous.

## Enquêtes et votes : pourquoi une réponse n’a pas été prise en compte
survey-refused-unknown = Cette enquête n’est plus disponible.
survey-refused-not-open = Cette enquête n’a pas encore commencé. Réessayez plus tard.
survey-refused-closed = Cette enquête est terminée. Merci d’avoir voulu y participer.
survey-refused-not-eligible = Cette enquête s’adresse aux membres qui ont fait au moins deux achats chez nous.
survey-refused-already-answered = Vous avez déjà répondu à cette enquête. Merci !

## Historique des points : ce que dit une ligne
ledger-purchase = Achat à { $store }
ledger-offer-points = Points en plus : { $offer }

## Abonnement premium
membership-upcoming = Votre abonnement { $plan } commence le { $date }.
membership-renews = Membre { $plan }. Renouvellement le { $date }.
membership-ends = Membre { $plan } jusqu’au { $date }.
membership-ended = Votre abonnement { $plan } a pris fin le { $date }.
membership-renewal-title = Votre abonnement { $plan } prend bientôt fin
membership-renewal-body = Vos avantages s’arrêtent le { $date }. Renouvelez-le dans l’app pour les garder.
membership-renewal-reason = Votre abonnement { $plan } ne se renouvelle pas automatiquement et prend fin le { $date }.
