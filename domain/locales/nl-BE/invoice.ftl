# Labels van de HTML-factuur in het Belgisch Nederlands (nl-BE): alleen wat verschilt van
# domain/locales/nl/invoice.ftl.
invoice-receipt = Kasticket
invoice-paid-note = Deze factuur werd op { $date } volledig betaald aan de kassa.
