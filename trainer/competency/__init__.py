"""Competency room: indicators, weight sets, evidence and the profiles built from them."""
