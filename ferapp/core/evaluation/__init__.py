"""Scoring a model: metrics, the confusion matrix and its picture."""
