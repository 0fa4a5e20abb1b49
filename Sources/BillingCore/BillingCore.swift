// BillingCore: PayTR and Stripe signing, plans, money. Pure: no I/O.
