"""deepgrade's instructor side: the exercise catalogue, the builders and the grading engine."""
