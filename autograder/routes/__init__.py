"""Delivery routes: each one package holding both halves of a way grades reach a course,
the half that builds what the course installs and the half that grades there."""
