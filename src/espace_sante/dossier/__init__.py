"""Dossier médical (DMP): the documents of a space, their metadata, content and history."""
