"""Espace Santé: a personal health space modelled on France's Mon Espace Santé."""

__version__ = "0.1.0"
