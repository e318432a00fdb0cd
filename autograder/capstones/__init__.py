"""Capstone grading: validate Keras models and recipes, train and score them in a clean process."""
