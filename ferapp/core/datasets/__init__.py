"""Labelled faces on disk: FER2013 in the Kaggle layout and the FER+ crowd votes."""
