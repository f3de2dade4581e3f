## Textes de Loyalty Core en français de Belgique (fr-BE) : seulement les messages qui diffèrent
## de domain/locales/fr/reminders.ftl. Aucun pour l’instant : le glossaire (vous, ticket de
## caisse, portefeuille, appareil, bon) est le même en Belgique et en France, et les textes
## français évitent les mots propres à la France (« service client » : service clientèle).
