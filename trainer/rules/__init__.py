"""The phrase rules in force: the synced rule texts, their compiled form, and the admin rule tester."""
