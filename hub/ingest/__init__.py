"""MQTT ingest: workers on the shared ``evt`` subscription commit register events idempotently and in
order, acknowledge them, keep dead letters and record register presence from the ``status`` topic.
"""
