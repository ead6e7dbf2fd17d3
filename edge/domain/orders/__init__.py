"""Orders: drafts, lines with modifiers, discounts and promo codes, exact totals and VAT, kitchen status."""
