"""The technician console (`yago console`): a Textual app that talks only to the local agent's API.

It never touches devices or the database directly; every action goes through the agent with the
technician role, so the agent's journal and audit see it.
"""
