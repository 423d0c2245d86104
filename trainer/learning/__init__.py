"""Learning room: 1-hour micro-courses — catalogue, lesson player, progress, feedback, course requests."""
