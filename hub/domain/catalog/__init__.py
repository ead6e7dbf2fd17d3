"""The catalog: VAT rates, categories, products, modifiers, ingredients, recipes, per-location prices
and stop-lists, and the versioned snapshots published to registers."""
