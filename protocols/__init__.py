"""Wire contracts between the register agent (edge) and the hub.

Everything both sides must agree on lives here: money and id types, the MQTT topic grammar, the batch
envelope, the event/command/catalog message families and the codec. Imports only stdlib and msgspec.
"""
