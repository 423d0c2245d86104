"""Accounts room: users, roles, teams, login, API tokens."""
