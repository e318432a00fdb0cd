"""The grading engine: suites run on the trusted side against a submission in a worker."""
