"""Satria web service: settings, database, services, routes and the command line."""
