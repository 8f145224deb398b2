"""Writing a sheet: scaffold a new one (``grader new``), derive the students' handout from the
reference (``grader assign``), and help for the mistakes course staff make while writing one."""
