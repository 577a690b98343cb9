"""A frame's whole way through: the pipeline, the recognizer with its tracking and recorders, and analysing a source into files."""
