"""Clients: intake screening, client records, client-authored goals, referrals and ending coaching well."""
