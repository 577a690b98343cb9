"""Finding faces: YuNet or the thesis's Haar cascade behind one interface."""
