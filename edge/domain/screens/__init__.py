"""Screens paired with the register: one-time pairing codes and the signed screen cookie."""
