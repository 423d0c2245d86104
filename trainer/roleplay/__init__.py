"""Role-play room: complaint scenarios played against a simulated customer (engine.py is pure)."""
