"""Assessment room: the question bank in the database, exams, attempts, typing drill."""
