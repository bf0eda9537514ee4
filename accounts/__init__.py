"""Accounts: the custom user model, learner profiles and roles, and linked platform accounts.

Sign-up and login are django-allauth's (email + password).
"""
