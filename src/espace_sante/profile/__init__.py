"""Profil médical: the sections a patient (or his carers) fills in, and his measures."""
