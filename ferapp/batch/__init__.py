"""Analysing many sources at once: on this machine's cores or on a Dask cluster.

Each source is one job that writes its own result files into the output folder
(atomically, with the model and settings that made them recorded), so a batch can be
stopped at any moment and run again: finished sources are skipped, the rest redone.
"""
