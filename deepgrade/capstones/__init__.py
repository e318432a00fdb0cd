"""Capstone training on a student's machine: settings, validation, training, plots."""
