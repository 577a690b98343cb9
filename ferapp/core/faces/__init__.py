"""One face at a time: its pose, its crop for the classifier, its result, tracking over frames and when its label is uncertain."""
