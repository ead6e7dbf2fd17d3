"""The checkout saga: tenders, fiscalization, printing, refunds, card reversals and start-up recovery,
with every device operation journaled and committed before the device is driven."""
