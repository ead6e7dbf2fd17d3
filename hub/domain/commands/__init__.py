"""Commands to registers (reload catalog, X report, test print, config update, upgrade hint) over MQTT."""
