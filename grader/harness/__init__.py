"""Code that runs next to student code. It imports nothing from the grading side; the grader
imports only ``wire`` (the JSON format) from here."""
