"""The recognition core: plain Python over numpy, OpenCV and TensorFlow, no Qt.

Data flows sources -> detector -> crop -> classifier -> pipeline -> drawing/export;
the GUI, the command line and the tests all share these modules.
"""
