"""The emotion model: its file and metadata, safe loading, conversion and running, calibration."""
