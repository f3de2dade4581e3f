# Libellés de la facture HTML en français de Belgique (fr-BE) : seulement ce qui diffère de
# domain/locales/fr/invoice.ftl. Aucun pour l’instant : la facture française suit déjà l’usage
# belge (HTVA, TVAC, n° d’entreprise), la facture étant émise par un commerçant belge.
