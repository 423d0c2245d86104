"""Practice room: the reply scorer's web face — practice page, rules in force, rule tester."""
