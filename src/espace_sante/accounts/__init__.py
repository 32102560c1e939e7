"""Accounts brick: identity (INS), people's accounts, professionals, sign-in, sessions."""
