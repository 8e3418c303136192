"""lamlint: find what breaks on AWS Lambda before you deploy, and package it right."""

__version__ = "0.1.0"
