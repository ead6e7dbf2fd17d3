"""Tenancy: the organization, its locations and registers, and its users with roles and staff PINs."""
